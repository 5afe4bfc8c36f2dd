//! Line charts as server-rendered SVG: one polyline per series over the last hour, scaled to
//! the largest value, with the scale and the latest values written as text beside it (so the
//! numbers are read, not guessed from the line, and a screen reader gets them). Colours come
//! from the page's custom properties, so the chart follows the light or dark scheme; the SVG
//! stretches to its box's width, from a phone's 375 px up.

use maud::{Markup, html};

use crate::web::css::CssFragment;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

/// One line of a chart: its name, its class (its colour), and a value per minute (`None`:
/// no value that minute, a gap in the line).
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
    pub points: Vec<Option<f64>>,
}

/// A chart titled `title`, its values shown with `format`; `minutes` is how many points
/// the horizontal axis holds (the last is now).
pub fn line_chart(
    title: &str,
    series: &[Series<'_>],
    minutes: usize,
    format: impl Fn(f64) -> String,
) -> Markup {
    let max = series
        .iter()
        .flat_map(|line| line.points.iter().flatten().copied())
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { max } else { 1.0 };
    let step = WIDTH / minutes.saturating_sub(1).max(1) as f64;
    let latest = |line: &Series<'_>| line.points.iter().rev().flatten().next().copied();
    let summary = series
        .iter()
        .map(|line| {
            let value = latest(line).map_or_else(|| "none".to_owned(), &format);
            format!("{} {value}", line.name)
        })
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure.line-chart {
            figcaption {
                span.title { (title) }
                @for line in series {
                    span class={ "legend " (line.class) } {
                        (line.name) " "
                        strong { (latest(line).map_or_else(|| "–".to_owned(), &format)) }
                    }
                }
            }
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } preserveAspectRatio="none" role="img"
                aria-label={ (title) ", last hour; latest: " (summary) "; highest: " (format(max)) } {
                line.axis x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) {}
                @for line in series {
                    @for segment in segments(&line.points) {
                        polyline class={ "line " (line.class) } points=(
                            segment.iter().map(|(index, value)| format!(
                                "{:.1},{:.1}",
                                *index as f64 * step + offset(minutes, line.points.len(), step),
                                HEIGHT - value / scale * (HEIGHT - 4.0),
                            )).collect::<Vec<_>>().join(" ")
                        ) {}
                    }
                }
            }
            p.scale { "Highest " (format(max)) " · last 60 minutes" }
        }
    }
}

/// Series shorter than the axis end at its right edge (now).
fn offset(minutes: usize, len: usize, step: f64) -> f64 {
    minutes.saturating_sub(len) as f64 * step
}

/// The runs of consecutive values, each point with its index.
fn segments(points: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (index, point) in points.iter().enumerate() {
        match point {
            Some(value) => current.push((index, *value)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    // A single point is drawn as a short line, so that it shows.
    for run in &mut runs {
        if let [(index, value)] = run[..] {
            run.push((index, value));
        }
    }
    runs
}

inventory::submit! { CssFragment::new("line-chart", r#"
.line-chart {
    margin: 0;
    padding: var(--space-3);
    border: 1px solid var(--color-border);
    border-radius: var(--radius);

    & figcaption { display: flex; flex-wrap: wrap; gap: var(--space-1) var(--space-3); margin-bottom: var(--space-2); }
    & .title { font-weight: 600; flex-basis: 100%; }
    & .legend { font-size: var(--text-sm); }
    & .legend::before { content: ""; display: inline-block; width: 0.8em; height: 0.2em; margin-right: 0.3em; vertical-align: middle; background: currentColor; }
    & svg { display: block; width: 100%; height: 8rem; overflow: visible; }
    & .axis { stroke: var(--color-border); stroke-width: 1; vector-effect: non-scaling-stroke; }
    & .line { fill: none; stroke: currentColor; stroke-width: 2; vector-effect: non-scaling-stroke; }
    & .scale { margin: var(--space-1) 0 0; font-size: var(--text-sm); color: var(--color-muted); }
    & .__first { color: var(--color-accent); }
    & .__second { color: var(--color-warning); }
    & .__third { color: var(--color-danger); }
}
"#) }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line_and_single_points_show() {
        let runs = segments(&[Some(1.0), Some(2.0), None, Some(3.0), None]);
        assert_eq!(
            runs,
            vec![vec![(0, 1.0), (1, 2.0)], vec![(3, 3.0), (3, 3.0)]]
        );
    }

    #[test]
    fn the_latest_values_are_written_out() {
        let chart = line_chart(
            "Requests",
            &[Series {
                name: "per second",
                class: "__first",
                points: vec![Some(1.0), None, Some(4.5)],
            }],
            60,
            |value| format!("{value:.1}/s"),
        )
        .into_string();
        assert!(chart.contains("latest: per second 4.5/s"), "{chart}");
        assert!(chart.contains("Highest 4.5/s"), "{chart}");
    }
}
