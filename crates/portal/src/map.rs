//! Tile-grid maps: each place is a square at an approximate geographic position (a common
//! technique that needs no geodata and gives every place the same weight), coloured by class
//! of value with a legend; suppressed places hatched, places without data left blank.
//!
//! Two grids: Tunisia's 24 governorates (ISO 3166-2 `TN-11` … `TN-83`; data may name them by
//! code, French or Arabic name) and the countries of the Arab region with the main destination
//! countries of its emigrants (ISO 3166-1 alpha-3). A place the grid does not have is left off
//! the map and counted in the text alternative; the data table under the map has every place.
//!
//! Geography is not mirrored for Arabic; the legend starts from the right there.

use std::fmt::Write as _;

use marsad_model::Lang;
use maud::{Markup, PreEscaped};

use crate::chart::{contrast, datum_text, nice_ticks, Datum};
use crate::format::Locale;
use crate::i18n::catalog;

/// Which grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Governorates,
    Countries,
}

/// A square of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub code: &'static str,
    pub row: u8,
    pub col: u8,
    /// Arabic, French and English names (countries: empty; their names come from the
    /// country codelist).
    pub names: [&'static str; 3],
}

const fn g(code: &'static str, row: u8, col: u8, ar: &'static str, fr: &'static str) -> Tile {
    Tile {
        code,
        row,
        col,
        names: [ar, fr, fr],
    }
}

const fn c(code: &'static str, row: u8, col: u8) -> Tile {
    Tile {
        code,
        row,
        col,
        names: ["", "", ""],
    }
}

/// Tunisia's governorates, north at the top.
pub const GOVERNORATES: [Tile; 24] = [
    g("TN-23", 0, 2, "بنزرت", "Bizerte"),
    g("TN-12", 0, 3, "أريانة", "Ariana"),
    g("TN-32", 1, 0, "جندوبة", "Jendouba"),
    g("TN-31", 1, 1, "باجة", "Béja"),
    g("TN-14", 1, 2, "منوبة", "Manouba"),
    g("TN-11", 1, 3, "تونس", "Tunis"),
    g("TN-33", 2, 0, "الكاف", "Le Kef"),
    g("TN-34", 2, 1, "سليانة", "Siliana"),
    g("TN-22", 2, 2, "زغوان", "Zaghouan"),
    g("TN-13", 2, 3, "بن عروس", "Ben Arous"),
    g("TN-21", 2, 4, "نابل", "Nabeul"),
    g("TN-42", 3, 0, "القصرين", "Kasserine"),
    g("TN-41", 3, 1, "القيروان", "Kairouan"),
    g("TN-51", 3, 2, "سوسة", "Sousse"),
    g("TN-52", 3, 3, "المنستير", "Monastir"),
    g("TN-71", 4, 0, "قفصة", "Gafsa"),
    g("TN-43", 4, 1, "سيدي بوزيد", "Sidi Bouzid"),
    g("TN-61", 4, 2, "صفاقس", "Sfax"),
    g("TN-53", 4, 3, "المهدية", "Mahdia"),
    g("TN-72", 5, 0, "توزر", "Tozeur"),
    g("TN-73", 5, 1, "قبلي", "Kébili"),
    g("TN-81", 5, 2, "قابس", "Gabès"),
    g("TN-82", 5, 3, "مدنين", "Médenine"),
    g("TN-83", 6, 2, "تطاوين", "Tataouine"),
];

/// The Arab region (the League of Arab States' members) and the main destinations of its
/// emigrants in Europe, North America and Türkiye; north at the top.
pub const COUNTRIES: [Tile; 41] = [
    c("CAN", 0, 0),
    c("GBR", 0, 2),
    c("NLD", 0, 3),
    c("DEU", 0, 4),
    c("SWE", 0, 5),
    c("USA", 1, 0),
    c("FRA", 1, 2),
    c("BEL", 1, 3),
    c("CHE", 1, 4),
    c("AUT", 1, 5),
    c("PRT", 2, 1),
    c("ESP", 2, 2),
    c("ITA", 2, 4),
    c("MLT", 2, 3),
    c("GRC", 2, 5),
    c("TUR", 2, 7),
    c("MAR", 3, 1),
    c("DZA", 3, 2),
    c("TUN", 3, 3),
    c("LBY", 3, 4),
    c("LBN", 3, 6),
    c("SYR", 3, 7),
    c("IRQ", 3, 8),
    c("MRT", 4, 1),
    c("EGY", 4, 5),
    c("PSE", 4, 6),
    c("JOR", 4, 7),
    c("KWT", 4, 8),
    c("SDN", 5, 5),
    c("SAU", 5, 7),
    c("BHR", 5, 8),
    c("QAT", 5, 9),
    c("ARE", 5, 10),
    c("DJI", 6, 6),
    c("YEM", 6, 7),
    c("OMN", 6, 10),
    c("SOM", 7, 7),
    c("COM", 7, 8),
    c("NOR", 0, 6),
    c("DNK", 1, 6),
    c("AUS", 7, 10),
];

impl Layout {
    pub fn tiles(self) -> &'static [Tile] {
        match self {
            Layout::Governorates => &GOVERNORATES,
            Layout::Countries => &COUNTRIES,
        }
    }

    /// The tile of a code as the data give it: an ISO code, or (governorates) a name in French,
    /// English or Arabic, in any case and with or without accents.
    pub fn tile(self, code: &str) -> Option<&'static Tile> {
        let key = fold(code);
        self.tiles().iter().find(|t| {
            fold(t.code) == key
                || fold(&t.code.replace('-', "")) == key
                || t.names.iter().any(|n| !n.is_empty() && fold(n) == key)
        })
    }
}

/// Lower case, without Latin accents or spaces and dashes, for matching names.
fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'É' | 'È' => 'e',
            'à' | 'â' => 'a',
            'ï' | 'î' => 'i',
            'ô' => 'o',
            'û' | 'ù' => 'u',
            'ç' => 'c',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Fills of the value classes, lightest first.
pub const CLASSES: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"];
const INK_DARK: &str = "#1b1b1b";
const INK_LIGHT: &str = "#ffffff";
const EDGE: &str = "#595959";

/// The label colour that reads best on `fill`.
pub fn ink_on(fill: &str) -> &'static str {
    if contrast(fill, INK_DARK) >= contrast(fill, INK_LIGHT) {
        INK_DARK
    } else {
        INK_LIGHT
    }
}

/// One place of a map: its code in the data, the name shown, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub datum: Datum,
}

/// A map to draw.
#[derive(Debug, Clone)]
pub struct Map<'a> {
    pub id: &'a str,
    pub layout: Layout,
    pub title: &'a str,
    pub places: &'a [Place],
    pub locale: Locale,
    pub decimals: usize,
}

/// The class bounds: `CLASSES.len() + 1` nice values from 0 (or the least value) up.
pub fn class_bounds(values: &[f64]) -> Vec<f64> {
    let lo = values.iter().copied().fold(0.0f64, f64::min);
    let hi = values.iter().copied().fold(0.0f64, f64::max);
    let ticks = nice_ticks(lo, hi, CLASSES.len());
    let (a, b) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(1.0),
    );
    let step = (b - a) / CLASSES.len() as f64;
    (0..=CLASSES.len()).map(|i| a + step * i as f64).collect()
}

/// The class of `v` (0 = lightest).
pub fn class_of(v: f64, bounds: &[f64]) -> usize {
    let n = CLASSES.len();
    (1..n)
        .find(|i| v < bounds.get(*i).copied().unwrap_or(f64::MAX))
        .map(|i| i - 1)
        .unwrap_or(n - 1)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const TILE: f64 = 58.0;
const GAP: f64 = 4.0;

/// Draws `map` (SVG with `role="img"`, title and a description listing every place).
pub fn render(map: &Map<'_>) -> Markup {
    let tr = catalog().tr(map.locale.lang);
    let rtl = map.locale.dir() == "rtl";
    let id = esc(map.id);
    let tiles = map.layout.tiles();
    let cols = tiles.iter().map(|t| t.col).max().unwrap_or(0) as f64 + 1.0;
    let rows = tiles.iter().map(|t| t.row).max().unwrap_or(0) as f64 + 1.0;
    let grid_w = cols * (TILE + GAP);
    let width = grid_w.max(420.0);
    let legend_y = rows * (TILE + GAP) + 12.0;
    let height = legend_y + 56.0;
    let values: Vec<f64> = map.places.iter().filter_map(|p| p.datum.value()).collect();
    let bounds = class_bounds(&values);
    let mut body = String::new();
    let mut off_grid = 0usize;
    let offset = (width - grid_w) / 2.0;
    for t in tiles {
        let place = map
            .places
            .iter()
            .find(|p| map.layout.tile(&p.code).is_some_and(|x| x.code == t.code));
        let x = offset + f64::from(t.col) * (TILE + GAP);
        let y = f64::from(t.row) * (TILE + GAP);
        let short = match map.layout {
            Layout::Countries => t.code.to_owned(),
            Layout::Governorates => t.names[match map.locale.lang {
                Lang::Ar => 0,
                Lang::Fr => 1,
                Lang::En => 2,
            }]
            .to_owned(),
        };
        let name = place
            .map(|p| p.name.clone())
            .unwrap_or_else(|| short.clone());
        let datum = place.map_or(Datum::Missing, |p| p.datum);
        let (fill, ink, class, dash) = match datum {
            Datum::Value(v) if v.is_finite() => {
                let k = class_of(v, &bounds);
                let fill = CLASSES[k];
                (fill.to_owned(), ink_on(fill), format!("tile c{k}"), "")
            }
            Datum::Suppressed => (
                format!("url(#{id}-hatch)"),
                INK_DARK,
                "tile suppressed".to_owned(),
                "",
            ),
            _ => (
                "#ffffff".to_owned(),
                INK_DARK,
                "tile empty".to_owned(),
                r#" stroke-dasharray="3 2""#,
            ),
        };
        // A light ground under the label of a hatched tile, so it stays readable.
        let ground = if datum == Datum::Suppressed {
            format!(
                r#"<rect x="{}" y="{}" width="{}" height="16" fill="{INK_LIGHT}"/>"#,
                x + 6.0,
                y + TILE / 2.0 - 8.0,
                TILE - 12.0
            )
        } else {
            String::new()
        };
        // Names up to 12 characters fit a tile in a smaller type; longer ones are shortened.
        let chars = short.chars().count();
        let label = if chars > 12 {
            let mut s: String = short.chars().take(11).collect();
            s.push('…');
            s
        } else {
            short
        };
        let _ = write!(
            body,
            r#"<g class="{class}" data-code="{code}"><title>{title}</title><rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" fill="{fill}" stroke="{EDGE}"{dash}/>{ground}<text x="{tx}" y="{ty}" text-anchor="middle" fill="{ink}" font-size="{fs}">{label}</text>"#,
            code = esc(t.code),
            title = esc(&format!(
                "{name}: {}",
                datum_text(datum, map.locale, map.decimals)
            )),
            tx = x + TILE / 2.0,
            ty = y + TILE / 2.0 + 4.0,
            fs = match (map.layout, chars) {
                (Layout::Countries, _) => "12",
                (Layout::Governorates, 0..=8) => "10",
                (Layout::Governorates, _) => "8.5",
            },
            label = esc(&label),
        );
        if let Some(v) = datum.value() {
            let _ = write!(
                body,
                r#"<text x="{}" y="{}" text-anchor="middle" fill="{ink}" font-size="9">{}</text>"#,
                x + TILE / 2.0,
                y + TILE - 6.0,
                esc(&map.locale.decimal(v, map.decimals))
            );
        }
        body.push_str("</g>");
    }
    for p in map.places {
        if map.layout.tile(&p.code).is_none() && p.code != "_T" && p.code != "_U" {
            off_grid += 1;
        }
    }
    // The legend: one key per class, the suppressed mark and the empty tile.
    let mut keys: Vec<(String, String, &str)> = Vec::new();
    for (k, fill) in CLASSES.iter().enumerate() {
        let (a, b) = (
            bounds.get(k).copied().unwrap_or(0.0),
            bounds.get(k + 1).copied().unwrap_or(0.0),
        );
        let places = if b - a < 1.0 && b > a {
            2
        } else {
            map.decimals
        };
        keys.push((
            (*fill).to_owned(),
            format!(
                "{}–{}",
                map.locale.decimal(a, places),
                map.locale.decimal(b, places)
            ),
            "",
        ));
    }
    keys.push((
        format!("url(#{id}-hatch)"),
        tr.t("chart-suppressed-short"),
        "",
    ));
    keys.push((
        "#ffffff".to_owned(),
        tr.t("chart-no-data"),
        r#" stroke-dasharray="3 2""#,
    ));
    let mut x = 4.0;
    let mut y = legend_y;
    for (fill, label, dash) in &keys {
        let w = 24.0 + label.chars().count() as f64 * 6.2;
        if x + w > width {
            x = 4.0;
            y += 22.0;
        }
        let kx = if rtl { width - x - 14.0 } else { x };
        let tx = if rtl { width - x - 20.0 } else { x + 20.0 };
        let _ = write!(
            body,
            r#"<rect class="legend-key" x="{kx}" y="{y}" width="14" height="14" fill="{fill}" stroke="{EDGE}"{dash}/><text x="{tx}" y="{}" text-anchor="{}" font-size="11">{}</text>"#,
            y + 11.0,
            if rtl { "end" } else { "start" },
            esc(label)
        );
        x += w + 12.0;
    }
    let height = height.max(y + 24.0);
    let sep = if map.locale.lang == Lang::Ar {
        "؛ "
    } else {
        "; "
    };
    let mut desc: Vec<String> = map
        .places
        .iter()
        .filter(|p| p.code != "_T")
        .map(|p| {
            format!(
                "{}: {}",
                p.name,
                datum_text(p.datum, map.locale, map.decimals)
            )
        })
        .collect();
    if off_grid > 0 {
        desc.push(tr.t_with(
            "map-off-grid",
            &[(
                "count",
                crate::i18n::Arg::Num(i64::try_from(off_grid).unwrap_or(0)),
            )],
        ));
    }
    let svg = format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" aria-labelledby="{id}-title {id}-desc" "#,
            r#"viewBox="0 0 {w} {h}" width="{w}" height="{h}" direction="ltr" font-size="11" fill="{ink}">"#,
            r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            r#"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"#,
            r##"<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{edge}" stroke-width="2"/></pattern></defs>"##,
            "{body}</svg>"
        ),
        id = id,
        w = width,
        h = height,
        ink = INK_DARK,
        title = esc(map.title),
        desc = esc(&desc.join(sep)),
        edge = EDGE,
        body = body,
    );
    PreEscaped(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::tests::elements;
    use std::collections::BTreeSet;

    #[test]
    fn grids_have_one_tile_per_square_and_per_code() {
        for layout in [Layout::Governorates, Layout::Countries] {
            let tiles = layout.tiles();
            let squares: BTreeSet<_> = tiles.iter().map(|t| (t.row, t.col)).collect();
            let codes: BTreeSet<_> = tiles.iter().map(|t| t.code).collect();
            assert_eq!(squares.len(), tiles.len(), "{layout:?}");
            assert_eq!(codes.len(), tiles.len(), "{layout:?}");
        }
        for t in COUNTRIES {
            assert!(
                marsad_model::codes::Country::from_alpha3(t.code).is_some(),
                "{}",
                t.code
            );
        }
    }

    #[test]
    fn governorates_are_found_by_code_or_name() {
        let check = |s: &str, want: Option<&str>| {
            assert_eq!(Layout::Governorates.tile(s).map(|t| t.code), want, "{s}")
        };
        check("TN-11", Some("TN-11"));
        check("tn11", Some("TN-11"));
        check("Tunis", Some("TN-11"));
        check("BEJA", Some("TN-31"));
        check("Béja", Some("TN-31"));
        check("Sidi Bouzid", Some("TN-43"));
        check("sidi-bouzid", Some("TN-43"));
        check("صفاقس", Some("TN-61"));
        check("Paris", None);
        assert_eq!(Layout::Countries.tile("qat").map(|t| t.code), Some("QAT"));
    }

    #[test]
    fn classes_colour_values_and_suppressed_tiles_are_hatched() {
        let places = vec![
            Place {
                code: "FRA".into(),
                name: "France".into(),
                datum: Datum::Value(100.0),
            },
            Place {
                code: "DEU".into(),
                name: "Germany".into(),
                datum: Datum::Value(5.0),
            },
            Place {
                code: "QAT".into(),
                name: "Qatar".into(),
                datum: Datum::Suppressed,
            },
            Place {
                code: "BRA".into(),
                name: "Brazil".into(),
                datum: Datum::Value(7.0),
            },
        ];
        let svg = render(&Map {
            id: "m",
            layout: Layout::Countries,
            title: "Workers",
            places: &places,
            locale: Locale::new(Lang::En),
            decimals: 0,
        })
        .into_string();
        let groups = elements(&svg, "g");
        let class_of_code = |code: &str| {
            groups
                .iter()
                .find(|g| g["data-code"] == code)
                .map(|g| g["class"].clone())
                .unwrap()
        };
        assert_eq!(class_of_code("FRA"), "tile c4");
        assert_eq!(class_of_code("DEU"), "tile c0");
        assert_eq!(class_of_code("QAT"), "tile suppressed");
        assert_eq!(class_of_code("ITA"), "tile empty");
        assert!(svg.contains("Qatar: suppressed"), "{svg}");
        assert!(svg.contains("One place is not on the map"), "{svg}");
        assert!(svg.contains(r#"role="img""#));
        // The suppressed tile shows no number.
        let qat = &svg[svg.find(r#"data-code="QAT""#).unwrap()..];
        let qat = &qat[..qat.find("</g>").unwrap()];
        for (at, _) in qat.match_indices("<text ") {
            let label = &qat[at..];
            let label = &label[label.find('>').unwrap() + 1..label.find("</text>").unwrap()];
            assert!(!label.chars().any(|c| c.is_ascii_digit()), "{label}");
        }
        assert_eq!(qat.matches("<text ").count(), 1, "the code, no value");
    }

    #[test]
    fn governorate_tiles_are_named_in_the_language() {
        let places = vec![Place {
            code: "Sidi Bouzid".into(),
            name: "Sidi Bouzid".into(),
            datum: Datum::Value(12.0),
        }];
        let draw = |lang| {
            render(&Map {
                id: "g",
                layout: Layout::Governorates,
                title: "t",
                places: &places,
                locale: Locale::new(lang),
                decimals: 0,
            })
            .into_string()
        };
        let fr = draw(Lang::Fr);
        assert!(fr.contains(r#"font-size="8.5">Sidi Bouzid</text>"#), "{fr}");
        assert!(fr.contains(r#"font-size="10">Tunis</text>"#));
        let ar = draw(Lang::Ar);
        assert!(ar.contains(">سيدي بوزيد</text>"), "{ar}");
        assert_eq!(elements(&ar, "g").len(), 24);
        let tiles = elements(&ar, "g");
        let sb = tiles.iter().find(|g| g["data-code"] == "TN-43").unwrap();
        assert_eq!(sb["class"], "tile c4");
    }

    #[test]
    fn class_bounds_and_label_contrast() {
        let b = class_bounds(&[3.0, 97.0]);
        assert_eq!(b, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(class_of(0.0, &b), 0);
        assert_eq!(class_of(20.0, &b), 1);
        assert_eq!(class_of(99.0, &b), 4);
        assert_eq!(class_of(1e9, &b), 4);
        for fill in CLASSES {
            assert!(contrast(fill, ink_on(fill)) >= 4.5, "{fill}");
        }
    }
}
