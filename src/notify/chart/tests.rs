//! Chart tests: PNGs that decode to the size asked for, gaps not drawn through, awkward
//! input that never panics, and alt text that names every line.

use super::axes::{tick_label, x_keys, y_axis};
use super::*;

fn band(value: f64) -> Option<Band> {
    Some(Band {
        value,
        low: value * 0.7,
        high: value * 1.3,
    })
}

fn weeks(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("2026-W{}", 36 + i)).collect()
}

fn conversion_chart() -> RateChart {
    let ai = [
        0.020, 0.024, 0.022, 0.028, 0.031, 0.0, 0.033, 0.036, 0.035, 0.038, 0.040, 0.041,
    ];
    let mut ai_points: Vec<Option<Band>> = ai.iter().map(|v| band(*v)).collect();
    ai_points[5] = None;
    let search = [
        0.030, 0.029, 0.031, 0.030, 0.028, 0.030, 0.031, 0.029, 0.030, 0.032, 0.031, 0.030,
    ];
    RateChart {
        title: "Conversion rate per week".into(),
        x_labels: weeks(12),
        lines: vec![
            Line {
                name: "AI assistants".into(),
                points: ai_points,
            },
            Line {
                name: "Search".into(),
                points: search.iter().map(|v| band(*v)).collect(),
            },
        ],
    }
}

fn mention_chart() -> RateChart {
    let line = |name: &str, base: f64, slope: f64| Line {
        name: name.into(),
        points: (0..12).map(|i| band(base + slope * i as f64)).collect(),
    };
    RateChart {
        title: "Share of answers that mention the brand".into(),
        x_labels: weeks(12),
        lines: vec![
            line("ChatGPT", 0.42, 0.01),
            line("Perplexity", 0.55, -0.005),
            line("Gemini", 0.18, 0.012),
        ],
    }
}

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn has_color(rgb: &[u8], color: RGBColor) -> bool {
    rgb.chunks_exact(3)
        .any(|px| px == [color.0, color.1, color.2])
}

#[test]
fn png_decodes_to_the_requested_size() {
    for (w, h) in [(600, 300), (MIN_WIDTH, MIN_HEIGHT), (1200, 600), (300, 400)] {
        let bytes = render_png(&conversion_chart(), w, h).unwrap();
        let (dw, dh, rgb) = decode(&bytes);
        assert_eq!((dw, dh), (w, h));
        assert_eq!(rgb.len(), (w * h * 3) as usize);
    }
}

#[test]
fn the_image_has_a_white_background_and_each_line_colour() {
    let (_, _, rgb) = decode(&render_png(&mention_chart(), 600, 300).unwrap());
    assert_eq!(&rgb[..3], &[255, 255, 255]);
    for color in &PALETTE[..3] {
        assert!(has_color(&rgb, *color), "{color:?} missing");
    }
}

#[test]
fn different_data_gives_different_images() {
    let a = render_png(&conversion_chart(), 600, 300).unwrap();
    let mut changed = conversion_chart();
    changed.lines[0].points[11] = band(0.08);
    let b = render_png(&changed, 600, 300).unwrap();
    assert_ne!(decode(&a).2, decode(&b).2);
    assert_eq!(
        a,
        render_png(&conversion_chart(), 600, 300).unwrap(),
        "rendering is deterministic"
    );
}

/// Whether the line's colour shows in the middle of the plot, between the first and last week.
fn line_in_the_middle(points: Vec<Option<Band>>) -> bool {
    let line = Line {
        name: "AI".into(),
        points,
    };
    let chart = RateChart {
        title: "Gap".into(),
        x_labels: weeks(3),
        lines: vec![line],
    };
    let (w, _, rgb) = decode(&render_png(&chart, 600, 300).unwrap());
    let middle = (70..260).flat_map(|y| (260..380).map(move |x| (y * w as usize + x) * 3));
    middle
        .into_iter()
        .any(|i| rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2])
}

#[test]
fn a_gap_is_not_drawn_through() {
    assert!(line_in_the_middle(vec![band(0.05), band(0.05), band(0.05)]));
    assert!(!line_in_the_middle(vec![band(0.05), None, band(0.05)]));
    assert!(!line_in_the_middle(vec![
        band(0.05),
        Some(Band {
            value: f64::NAN,
            low: 0.0,
            high: 0.1
        }),
        band(0.05)
    ]));
}

#[test]
fn sizes_outside_the_limits_are_errors() {
    let chart = conversion_chart();
    for (w, h) in [
        (0, 0),
        (MIN_WIDTH - 1, 300),
        (600, MIN_HEIGHT - 1),
        (MAX_SIDE + 1, 300),
        (600, u32::MAX),
    ] {
        assert!(
            matches!(render_png(&chart, w, h), Err(ChartError::Size { .. })),
            "{w}x{h}"
        );
    }
}

fn awkward_charts() -> Vec<RateChart> {
    let nan = Band {
        value: f64::NAN,
        low: 0.1,
        high: 0.2,
    };
    let wild = Band {
        value: 7.0,
        low: -3.0,
        high: f64::INFINITY,
    };
    let names = [
        "x".repeat(500),
        "مساعدات الذكاء الاصطناعي \u{202E}evil\u{202C}".into(),
        "bell\u{7}\nnew\tline\u{0}".into(),
        String::new(),
        "🤖 日本語 ".repeat(20),
    ];
    let hostile = names.iter().map(|n| Line {
        name: n.clone(),
        points: vec![band(0.1), None, Some(nan), Some(wild)],
    });
    let chart = |title: &str, labels: Vec<String>, lines: Vec<Line>| RateChart {
        title: title.into(),
        x_labels: labels,
        lines,
    };
    vec![
        chart("", vec![], vec![]),
        chart("No lines", weeks(12), vec![]),
        chart(
            "No labels",
            vec![],
            vec![Line {
                name: "AI".into(),
                points: vec![band(0.1)],
            }],
        ),
        chart(
            "All gaps",
            weeks(5),
            vec![Line {
                name: "AI".into(),
                points: vec![None; 5],
            }],
        ),
        chart(
            "One point",
            weeks(1),
            vec![Line {
                name: "AI".into(),
                points: vec![band(0.2)],
            }],
        ),
        chart(
            "Short and long",
            weeks(6),
            vec![
                Line {
                    name: "a".into(),
                    points: vec![band(0.1)],
                },
                Line {
                    name: "b".into(),
                    points: vec![band(0.2); 40],
                },
            ],
        ),
        chart(&"Long title ".repeat(40), weeks(200), hostile.collect()),
        chart(
            "Zeros",
            weeks(3),
            vec![Line {
                name: "z".into(),
                points: vec![band(0.0); 3],
            }],
        ),
        chart(
            "Full",
            weeks(3),
            vec![Line {
                name: "f".into(),
                points: vec![band(1.0); 3],
            }],
        ),
        chart(
            "Many",
            weeks(8),
            (0..30)
                .map(|i| Line {
                    name: format!("Engine number {i}"),
                    points: vec![band(0.01 * i as f64); 8],
                })
                .collect(),
        ),
    ]
}

#[test]
fn awkward_charts_render_at_every_size_without_panicking() {
    for chart in awkward_charts() {
        for (w, h) in [
            (600, 300),
            (MIN_WIDTH, MIN_HEIGHT),
            (101, 300),
            (600, 81),
            (2000, 90),
        ] {
            let bytes = render_png(&chart, w, h)
                .unwrap_or_else(|e| panic!("{:?} at {w}x{h}: {e}", chart.title));
            assert_eq!(decode(&bytes).0, w);
            let _ = alt_text(&chart);
        }
    }
}

#[test]
fn bands_are_clamped_and_nan_becomes_a_gap() {
    assert_eq!(
        clean_band(Band {
            value: f64::NAN,
            low: 0.0,
            high: 1.0
        }),
        None
    );
    assert_eq!(
        clean_band(Band {
            value: 0.5,
            low: 0.0,
            high: f64::NAN
        }),
        None
    );
    let wild = clean_band(Band {
        value: 2.0,
        low: -1.0,
        high: f64::INFINITY,
    });
    assert_eq!(
        wild,
        Some(Band {
            value: 1.0,
            low: 0.0,
            high: 1.0
        })
    );
    let swapped = clean_band(Band {
        value: 0.2,
        low: 0.3,
        high: 0.1,
    });
    assert_eq!(
        swapped,
        Some(Band {
            value: 0.2,
            low: 0.2,
            high: 0.2
        })
    );
}

#[test]
fn lines_split_into_runs_at_gaps_and_ignore_points_past_the_labels() {
    let mut chart = conversion_chart();
    chart.lines[0].points.push(band(0.5));
    let prepared = prepare(&chart);
    let runs = prepared.series[0].runs();
    let lengths: Vec<usize> = runs.iter().map(Vec::len).collect();
    assert_eq!(lengths, [5, 6]);
    assert_eq!(runs[1][0].0, 6);
    assert!(
        prepared.max_high() < 0.06,
        "the point past the labels is ignored"
    );
}

#[test]
fn names_lose_control_characters_and_are_shortened() {
    assert_eq!(clean_text("a\u{0}b\n\tc\u{202E}d", 40), "a b c d");
    let long = clean_text(&"é".repeat(100), NAME_CHARS);
    assert_eq!(long.chars().count(), NAME_CHARS);
    assert!(long.ends_with('…'));
    assert_eq!(line_name(" \u{7} ", 2), "Line 3");
}

#[test]
fn the_y_axis_reaches_a_little_above_the_highest_interval() {
    let small = y_axis(0.0);
    assert!((small.top - 0.01).abs() < 1e-12);
    let conv = y_axis(0.053);
    assert!(conv.top > 0.053 && conv.top <= 0.08, "{}", conv.top);
    assert_eq!(conv.ticks.first(), Some(&0.0));
    assert!(conv.ticks.len() <= 6);
    let full = y_axis(1.0);
    assert!(full.top >= 1.0 && full.top <= 1.08);
    assert!(full.ticks.iter().all(|t| *t <= 1.0 + 1e-9));
}

#[test]
fn tick_labels_are_percentages_without_trailing_zeros() {
    assert_eq!(tick_label(0.0), "0%");
    assert_eq!(tick_label(0.05), "5%");
    assert_eq!(tick_label(0.025), "2.5%");
    assert_eq!(tick_label(0.0025), "0.25%");
    assert_eq!(tick_label(0.3), "30%");
}

#[test]
fn crowded_x_labels_are_thinned_keeping_the_last_week() {
    let labels = weeks(12);
    assert_eq!(x_keys(&labels, 1000, 60).len(), 12);
    let thinned = x_keys(&labels, 500, 60);
    assert!(thinned.len() < 12 && thinned.len() * 60 <= 500);
    assert_eq!(thinned.last(), Some(&11.0));
    assert!(x_keys(&[], 500, 60).is_empty());
    assert_eq!(x_keys(&labels, 0, 60), [11.0]);
}

#[test]
fn alt_text_names_every_line_with_its_last_value_and_the_gaps() {
    let text = alt_text(&conversion_chart());
    assert!(
        text.starts_with("Conversion rate per week, 12 weeks from 2026-W36 to 2026-W47."),
        "{text}"
    );
    assert!(
        text.contains("AI assistants: 4.1% in the last week (from 2.0% in the first week)."),
        "{text}"
    );
    assert!(text.contains("Search: 3.0% in the last week"), "{text}");
    assert!(
        text.ends_with("Weeks without enough data are left out."),
        "{text}"
    );
    let mentions = alt_text(&mention_chart());
    for name in ["ChatGPT", "Perplexity", "Gemini"] {
        assert!(mentions.contains(name), "{mentions}");
    }
    assert!(!mentions.contains("left out"), "{mentions}");
}

#[test]
fn alt_text_describes_missing_data_and_strips_control_characters() {
    let chart = RateChart {
        title: "Mentions\u{0}".into(),
        x_labels: weeks(4),
        lines: vec![
            Line {
                name: "Bad\u{7}\u{202E}name\n".into(),
                points: vec![band(0.1), band(0.2), None, None],
            },
            Line {
                name: "Empty".into(),
                points: vec![],
            },
            Line {
                name: "Once".into(),
                points: vec![None, None, None, band(0.05)],
            },
        ],
    };
    let text = alt_text(&chart);
    assert!(!text.chars().any(is_unsafe_char), "{text:?}");
    assert!(
        text.contains(
            "Bad name: 20.0% in 2026-W37, the last week with data (from 10.0% in the first week)."
        ),
        "{text}"
    );
    assert!(
        text.contains("Empty: not enough data in any week."),
        "{text}"
    );
    assert!(
        text.contains("Once: 5.0% in the last week (the only week with data)."),
        "{text}"
    );
    assert!(text.contains("left out"), "{text}");
    let unlabelled = RateChart {
        title: "T".into(),
        x_labels: vec![String::new(), "\u{7}".into()],
        lines: vec![],
    };
    assert_eq!(alt_text(&unlabelled), "T, 2 weeks from week 1 to week 2.");
    assert_eq!(
        alt_text(&RateChart {
            title: String::new(),
            x_labels: vec![],
            lines: vec![]
        }),
        "Rate chart: no weeks to show."
    );
}
