//! The national list of schools as CSV (header `uai,name,town,academie`),
//! read whole before anything is written: all rows or none, and the first
//! bad line named.

use std::io::Read;

use super::values::Uai;

/// One school of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// National code.
    pub uai: Uai,
    /// Name.
    pub name: String,
    /// Town.
    pub town: String,
    /// Académie.
    pub academie: String,
}

/// The first bad line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// Line number (the header is line 1).
    pub line: usize,
    /// What is wrong, in French.
    pub why: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

/// The most rows a file may have (France has about 60,000 schools).
pub const MAX_ROWS: usize = 200_000;

/// The longest name, town or académie kept.
const MAX_TEXT: usize = 200;

/// Reads every row; the first bad line otherwise.
pub fn parse(input: impl Read) -> Result<Vec<SchoolRow>, BadLine> {
    #[derive(serde::Deserialize)]
    struct Raw {
        uai: String,
        name: String,
        town: String,
        academie: String,
    }
    let bad = |line: usize, why: &str| BadLine {
        line,
        why: why.to_owned(),
    };
    let mut reader = csv::Reader::from_reader(input);
    let mut rows = Vec::new();
    for (i, raw) in reader.deserialize::<Raw>().enumerate() {
        let line = i + 2;
        if i >= MAX_ROWS {
            return Err(bad(line, "trop de lignes (200 000 au plus)"));
        }
        let raw = raw.map_err(|_| {
            bad(
                line,
                "il faut les colonnes uai,name,town,academie (en-tête compris), séparées par des virgules",
            )
        })?;
        let uai = Uai::parse(&raw.uai).map_err(|e| bad(line, e.0))?;
        let (name, town, academie) = (raw.name.trim(), raw.town.trim(), raw.academie.trim());
        if name.is_empty() || town.is_empty() || academie.is_empty() {
            return Err(bad(
                line,
                "le nom, la commune et l'académie sont obligatoires",
            ));
        }
        if [name, town, academie]
            .iter()
            .any(|t| t.chars().count() > MAX_TEXT)
        {
            return Err(bad(
                line,
                "un nom, une commune ou une académie dépasse 200 caractères",
            ));
        }
        rows.push(SchoolRow {
            line,
            uai,
            name: name.to_owned(),
            town: town.to_owned(),
            academie: academie.to_owned(),
        });
    }
    if rows.is_empty() {
        return Err(bad(1, "le fichier ne contient aucun établissement"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_the_first_bad_line_is_named() {
        let good = "uai,name,town,academie\n0691664K, Collège Jean Moulin ,Lyon,Lyon\n0750656P,\"Lycée Victor Hugo, Paris\",Paris,Paris\n";
        let rows = parse(good.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Collège Jean Moulin");
        assert_eq!(rows[1].name, "Lycée Victor Hugo, Paris");
        assert_eq!(rows[1].line, 3);

        let bad = "uai,name,town,academie\n0691664K,A,Lyon,Lyon\nPASUNUAI,B,Nice,Nice\n";
        assert_eq!(parse(bad.as_bytes()).unwrap_err().line, 3);
        let empty = "uai,name,town,academie\n0691664K,,Lyon,Lyon\n";
        assert_eq!(parse(empty.as_bytes()).unwrap_err().line, 2);
        let columns = "uai;name;town;academie\n0691664K;A;Lyon;Lyon\n";
        assert!(parse(columns.as_bytes()).is_err());
        assert_eq!(
            parse("uai,name,town,academie\n".as_bytes())
                .unwrap_err()
                .line,
            1
        );
    }
}
