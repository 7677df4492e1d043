//! Bar charts drawn on the server as SVG: no script, no outside service.
//! Each chart is a picture with a title (`role="img"`); the page shows the
//! same figures in a table and offers them as CSV ([`csv_download`]).

use askama::Template;

/// Width and height of the drawing (it scales to its box).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room for the labels below.
const BOTTOM: f64 = 26.0;
const TOP: f64 = 10.0;

/// Grouped bars: one group per label, one bar per series.
#[derive(Template)]
#[template(path = "partials/bar_chart.html")]
pub struct BarChart {
    /// A unique id on the page (for the title's id).
    pub id: &'static str,
    /// What it shows, read by screen readers.
    pub title: String,
    /// The series' names (legend), in the order of each group's values.
    pub series: Vec<&'static str>,
    /// The groups: a label and one value per series.
    pub groups: Vec<(String, Vec<i64>)>,
    /// Values of 1 to 4 are not drawn and say "< 5" (figures that could
    /// identify a pupil).
    pub mask_small: bool,
}

/// One bar, in drawing coordinates.
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Index of its series (its colour).
    pub series: usize,
    /// Its group's label and series name, and its value, for its tooltip.
    pub tip: String,
}

impl BarChart {
    fn masked(&self, value: i64) -> bool {
        self.mask_small && (1..=4).contains(&value)
    }

    fn max(&self) -> i64 {
        let values = self.groups.iter().flat_map(|(_, v)| v).copied();
        let max = values.filter(|v| !self.masked(*v)).max();
        max.unwrap_or(0).max(1)
    }

    fn scale(&self, value: i64) -> f64 {
        (HEIGHT - BOTTOM - TOP) * value as f64 / self.max() as f64
    }

    /// Room for the values on the left: as wide as the largest one.
    fn left(&self) -> f64 {
        (14.0 + 7.0 * self.max().to_string().len() as f64).max(44.0)
    }

    fn slot(&self) -> f64 {
        (WIDTH - self.left()) / self.groups.len().max(1) as f64
    }

    /// Every bar.
    pub fn bars(&self) -> Vec<Bar> {
        let (slot, left) = (self.slot(), self.left());
        let width = (slot * 0.8) / self.series.len().max(1) as f64;
        let mut bars = Vec::new();
        for (g, (label, values)) in self.groups.iter().enumerate() {
            for (s, value) in values.iter().enumerate() {
                let masked = self.masked(*value);
                let h = if masked { 0.0 } else { self.scale(*value) };
                let shown = crate::domain::format::small_count(*value);
                let shown = if masked { shown } else { value.to_string() };
                bars.push(Bar {
                    x: left + slot * g as f64 + slot * 0.1 + width * s as f64,
                    y: HEIGHT - BOTTOM - h,
                    w: width,
                    h,
                    series: s,
                    tip: format!("{label}, {} : {shown}", self.series.get(s).unwrap_or(&"")),
                });
            }
        }
        bars
    }

    /// Lines and values of the vertical axis: 0, half, the largest value.
    pub fn ticks(&self) -> Vec<(f64, i64)> {
        let max = self.max();
        [0, max / 2, max]
            .into_iter()
            .map(|v| (HEIGHT - BOTTOM - self.scale(v), v))
            .collect()
    }

    /// Labels under the groups, thinned so that they do not overlap.
    pub fn labels(&self) -> Vec<(f64, &str)> {
        let (slot, left) = (self.slot(), self.left());
        let every = (60.0 / slot).ceil().max(1.0) as usize;
        self.groups
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, (label, _))| (left + slot * (i as f64 + 0.5), label.as_str()))
            .collect()
    }

    /// The drawing's size, for the `viewBox`.
    pub fn view_box(&self) -> String {
        format!("0 0 {WIDTH} {HEIGHT}")
    }

    /// Where the baseline is.
    pub fn base(&self) -> f64 {
        HEIGHT - BOTTOM
    }

    /// Where the labels are written.
    pub fn label_y(&self) -> f64 {
        HEIGHT - 8.0
    }

    /// Where the plotting area starts and ends.
    pub fn x_range(&self) -> (f64, f64) {
        (self.left(), WIDTH)
    }
}

/// A CSV file to download, as a French spreadsheet opens it: semicolons
/// (the caller's), UTF-8 with a byte-order mark.
pub fn csv_download(file_name: &str, text: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    (headers, format!("\u{feff}{text}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_labels_are_escaped() {
        let chart = BarChart {
            id: "c",
            title: "Essai <b>".into(),
            series: vec!["Prises en charge", "Retours"],
            groups: vec![("S1".into(), vec![10, 5]), ("S2 & <x>".into(), vec![0, 20])],
            mask_small: false,
        };
        let bars = chart.bars();
        assert_eq!(bars.len(), 4);
        let tallest = bars.iter().map(|b| b.h).fold(0.0, f64::max);
        assert!((tallest - (HEIGHT - BOTTOM - TOP)).abs() < 1e-9);
        assert_eq!(bars[2].h, 0.0);
        assert!((bars[0].h - tallest / 2.0).abs() < 1e-9);
        let svg = chart.render().unwrap();
        assert!(svg.contains("role=\"img\""));
        // Escaped as askama does it (`&#60;`, `&#38;`).
        assert!(svg.contains("Essai &#60;b&#62;"), "{svg}");
        assert!(svg.contains("S2 &#38; &#60;x&#62;"), "{svg}");
        assert!(!svg.contains("<x>") && !svg.contains("<b>"));
    }

    #[test]
    fn small_values_are_not_drawn_when_masked() {
        let chart = BarChart {
            id: "c",
            title: "Essai".into(),
            series: vec!["Dossiers"],
            groups: vec![("M1".into(), vec![3]), ("M2".into(), vec![8])],
            mask_small: true,
        };
        let bars = chart.bars();
        assert_eq!(bars[0].h, 0.0);
        assert!(bars[0].tip.ends_with("< 5"));
        assert!((bars[1].h - (HEIGHT - BOTTOM - TOP)).abs() < 1e-9);
        assert!(!chart.render().unwrap().contains(": 3"));
    }
}
