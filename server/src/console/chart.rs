//! Bar charts as inline SVG, drawn on the server: one bar per rate (0 to
//! 100%), a tick at its target, the figure written beside it. No script
//! and no library, so reports print and save as they look.

use super::html::esc;

/// One bar: its label, its percent (none: no cases) and its target.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub percent: Option<f64>,
    pub target: Option<f64>,
}

const WIDTH: f64 = 640.0;
const LABEL: f64 = 230.0;
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;

/// A horizontal bar chart; `title` is read by screen readers.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let plot = WIDTH - LABEL - 70.0;
    let height = ROW * bars.len().max(1) as f64 + 24.0;
    let mut svg = format!(
        "<svg class=\"chart\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
         width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">\
         <title>{}</title>",
        esc(title)
    );
    // The 0, 50 and 100% guides.
    for step in [0.0, 50.0, 100.0] {
        let x = LABEL + plot * step / 100.0;
        svg.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"4\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d5dde6\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#6b7885\">{step:.0}%</text>",
            height - 16.0,
            height - 4.0
        ));
    }
    for (index, bar) in bars.iter().enumerate() {
        let y = 6.0 + ROW * index as f64;
        // Green or red only against a target; a rate without one is not
        // judged, so its bar is neutral.
        let color = match (bar.percent, bar.target) {
            (Some(percent), Some(target)) if percent >= target => "#2f8f4e",
            (Some(_), Some(_)) => "#c0392b",
            _ => "#5b7fa6",
        };
        let value = bar.percent.unwrap_or(0.0).clamp(0.0, 100.0);
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2733\">{}</text>",
            LABEL - 8.0,
            y + BAR * 0.75,
            esc(&bar.label)
        ));
        svg.push_str(&format!(
            "<rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{color}\" rx=\"2\"/>",
            plot * value / 100.0
        ));
        if let Some(target) = bar.target {
            let x = LABEL + plot * target.clamp(0.0, 100.0) / 100.0;
            svg.push_str(&format!(
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#1d2733\" \
                 stroke-width=\"2\" stroke-dasharray=\"3 2\"/>",
                y - 3.0,
                y + BAR + 3.0
            ));
        }
        let text = bar
            .percent
            .map_or_else(|| "—".to_owned(), |percent| format!("{percent:.1}%"));
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2733\">{text}</text>",
            LABEL + plot + 8.0,
            y + BAR * 0.75
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_a_bar_each() {
        let svg = bars(
            "c",
            "Rates <test>",
            &[
                Bar {
                    label: "a".into(),
                    percent: Some(40.0),
                    target: Some(50.0),
                },
                Bar {
                    label: "b".into(),
                    percent: None,
                    target: None,
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("Rates &lt;test&gt;"));
        assert!(svg.contains("#c0392b"), "a bar under its target is red");
    }
}
