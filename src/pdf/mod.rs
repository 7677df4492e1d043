//! PDF documents typeset on the server by typst (pinned `=0.15.1`, used as a
//! library). A document is a template of ours (`*.typ` next to this file)
//! compiled with the user's data passed only as inputs (`sys.inputs`: a
//! JSON string and already-downscaled images as bytes), never spliced into
//! markup, so nothing a user typed can run as typst code. The fonts are
//! embedded in the binary (Libertinus Serif for text, DejaVu Sans Mono for
//! hashes; the PDF carries only the glyphs used). Compiling is CPU work:
//! callers run it in `spawn_blocking`, a few at a time.

mod thumbnail;

pub use thumbnail::thumbnail;

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Timelike, Utc};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, Duration, Smart, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The template of the case dossier.
pub const DOSSIER: &str = include_str!("dossier.typ");

/// The font families a template may name.
const FAMILIES: [&str; 2] = ["libertinus serif", "dejavu sans mono"];

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .filter(|f| FAMILIES.contains(&f.info().family.to_lowercase().as_str()))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// One compilation: the template and its inputs.
struct Job {
    library: LazyHash<Library>,
    main: Source,
    today: Datetime,
}

impl World for Job {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    // No file is readable: data come as inputs.
    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn datetime(at: DateTime<Utc>) -> Option<Datetime> {
    Datetime::from_ymd_hms(
        at.year(),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
}

/// Typesets `template` into a tagged PDF/A-2 document. `data` is read by
/// the template as `json(bytes(sys.inputs.data))`, `images` as
/// `sys.inputs.images` (an array of bytes); `at` is the document's date.
pub fn render(
    template: &str,
    data: &serde_json::Value,
    images: Vec<Vec<u8>>,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<u8>> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Value::Str(data.to_string().into()));
    let images = images.into_iter().map(|b| Value::Bytes(Bytes::new(b)));
    inputs.insert("images".into(), Value::Array(images.collect()));
    let path = VirtualPath::new("/main.typ").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let id = FileId::new(RootedPath::new(VirtualRoot::Project, path));
    let today = datetime(at).ok_or_else(|| anyhow::anyhow!("date out of range"))?;
    let job = Job {
        library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        main: Source::new(id, template.to_owned()),
        today,
    };
    let compiled = typst::compile::<PagedDocument>(&job).output;
    let options = PdfOptions {
        ident: Smart::Auto,
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        ..PdfOptions::default()
    };
    let pdf = compiled.and_then(|doc| typst_pdf::pdf(&doc, &options));
    // Each document is different: keep the memoisation cache small.
    comemo::evict(2);
    pdf.map_err(|errors| {
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        anyhow::anyhow!("typesetting failed: {}", messages.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_never_markup() {
        let template = "#let d = json(bytes(sys.inputs.data))\n#set text(font: \"Libertinus Serif\", lang: \"fr\")\n#d.text";
        let data = serde_json::json!({ "text": "#panic(\"injecté\") *gras* é" });
        let pdf = render(template, &data, vec![], Utc::now()).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn template_errors_are_reported() {
        let err = render("#panic(\"x\")", &serde_json::json!({}), vec![], Utc::now());
        assert!(err.unwrap_err().to_string().contains("typesetting failed"));
    }
}
