//! A small page layout for report PDFs: text runs, rules and shaded bars placed on A4
//! pages with page breaks, then drawn with krilla in one pass (page numbers are known by
//! then). Text is shaped here with the embedded font's character map and advances (one
//! font, left to right, no ligatures), which also measures it for right alignment and
//! for cutting long cells.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::collections::HashMap;
use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 42.0;
const FOOTER_Y: f32 = PAGE_H - 24.0;
/// Content stops here; the footer is below.
const BOTTOM: f32 = PAGE_H - 48.0;

/// The glyph id and advance (in em) of every character the font maps.
struct Metrics {
    glyphs: HashMap<char, (u32, f32)>,
    /// `?`, for characters the font lacks.
    missing: (u32, f32),
}

impl Metrics {
    fn of(data: &'static [u8]) -> Metrics {
        let font = FontRef::new(data).expect("the embedded font parses");
        let upem = f32::from(font.head().map(|h| h.units_per_em()).unwrap_or(2048));
        let advances = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let glyphs: HashMap<char, (u32, f32)> = font
            .charmap()
            .mappings()
            .filter_map(|(code, gid)| {
                let c = char::from_u32(code)?;
                Some((c, (gid.to_u32(), advances.advance_width(gid).unwrap_or(0.0) / upem)))
            })
            .collect();
        let missing = glyphs.get(&'?').copied().unwrap_or((0, 0.5));
        Metrics { glyphs, missing }
    }

    fn glyph(&self, c: char) -> (u32, f32) {
        self.glyphs.get(&c).copied().unwrap_or(self.missing)
    }

    /// Width of `text` in points at `size`.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(GlyphId::new(gid), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }
}

use skrifa::raw::TableProvider;

fn metrics(bold: bool) -> &'static Metrics {
    static R: OnceLock<Metrics> = OnceLock::new();
    static B: OnceLock<Metrics> = OnceLock::new();
    if bold {
        B.get_or_init(|| Metrics::of(BOLD))
    } else {
        R.get_or_init(|| Metrics::of(REGULAR))
    }
}

/// Width of `text` in points.
#[cfg(test)]
pub(crate) fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    metrics(bold).width(text, size)
}

/// `text` cut with an ellipsis to fit `width`.
pub(crate) fn fit(text: &str, size: f32, bold: bool, width: f32) -> String {
    let m = metrics(bold);
    if m.width(text, size) <= width {
        return text.to_owned();
    }
    let ellipsis = m.width("…", size);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += m.glyph(c).1 * size;
        if used + ellipsis > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
enum Op {
    /// Text with its baseline at `y`; `x` is its left edge, or its right edge when aligned right.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        align: Align,
        text: String,
    },
    /// A horizontal line.
    Rule { x1: f32, x2: f32, y: f32, width: f32 },
    /// A light grey bar behind a table header.
    Shade { x: f32, y: f32, w: f32, h: f32 },
}

/// A table column: left edge, width, alignment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub x: f32,
    pub w: f32,
    pub align: Align,
}

/// Pages being laid out, top to bottom.
pub(crate) struct Layout {
    pages: Vec<Vec<Op>>,
    /// The baseline of the next line.
    pub y: f32,
    /// A table header repeated at the top of every page the table continues on.
    repeat: Option<(Vec<Col>, Vec<String>)>,
}

pub(crate) const ROW_H: f32 = 13.0;
pub(crate) const BODY: f32 = 8.5;

impl Layout {
    pub fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN + 12.0,
            repeat: None,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page when fewer than `height` points are left; repeats the table
    /// header there if a table is running.
    pub fn need(&mut self, height: f32) {
        if self.y + height <= BOTTOM {
            return;
        }
        self.pages.push(Vec::new());
        self.y = MARGIN + 12.0;
        if let Some((cols, labels)) = self.repeat.clone() {
            self.header_row(&cols, &labels);
        }
    }

    pub fn space(&mut self, dy: f32) {
        self.y += dy;
    }

    pub fn text(&mut self, x: f32, text: &str, size: f32, bold: bool, align: Align) {
        let y = self.y;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            align,
            text: text.to_owned(),
        });
    }

    /// A line of text of `size`, then down by `size × 1.5`.
    pub fn line(&mut self, text: &str, size: f32, bold: bool) {
        self.need(size * 1.5);
        self.text(MARGIN, text, size, bold, Align::Left);
        self.y += size * 1.5;
    }

    pub fn rule(&mut self, width: f32) {
        let y = self.y - ROW_H + 3.5;
        self.ops().push(Op::Rule {
            x1: MARGIN,
            x2: PAGE_W - MARGIN,
            y,
            width,
        });
    }

    fn cells(&mut self, cols: &[Col], cells: &[String], bold: bool) {
        for (col, cell) in cols.iter().zip(cells) {
            let text = fit(cell, BODY, bold, col.w - 4.0);
            let x = match col.align {
                Align::Left => col.x,
                Align::Right => col.x + col.w,
            };
            self.text(x, &text, BODY, bold, col.align);
        }
    }

    fn header_row(&mut self, cols: &[Col], labels: &[String]) {
        let y = self.y;
        self.ops().push(Op::Shade {
            x: MARGIN - 3.0,
            y: y - ROW_H + 3.0,
            w: PAGE_W - 2.0 * MARGIN + 6.0,
            h: ROW_H,
        });
        self.cells(cols, labels, true);
        self.y += ROW_H;
    }

    /// Starts a table: its header now and on every page it continues on.
    pub fn table(&mut self, cols: &[Col], labels: &[String]) {
        self.need(ROW_H * 3.0);
        self.header_row(cols, labels);
        self.repeat = Some((cols.to_vec(), labels.to_vec()));
    }

    pub fn row(&mut self, cols: &[Col], cells: &[String], bold: bool) {
        self.need(ROW_H);
        self.cells(cols, cells, bold);
        self.y += ROW_H;
    }

    pub fn end_table(&mut self) {
        self.repeat = None;
        self.y += ROW_H * 0.5;
    }

    /// Draws every page with `footer(page, pages)` at its foot.
    pub fn render(
        self,
        title: &str,
        language: &str,
        footer: impl Fn(usize, usize) -> String,
    ) -> Result<Vec<u8>, String> {
        let regular = Font::new(REGULAR.into(), 0).ok_or("the embedded font does not load")?;
        let bold = Font::new(BOLD.into(), 0).ok_or("the embedded bold font does not load")?;
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .language(language.to_owned())
                .creator("Kassa".to_owned()),
        );
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("bad page size")?;
        let pages = self.pages.len();
        for (n, mut ops) in self.pages.into_iter().enumerate() {
            ops.push(Op::Text {
                x: PAGE_W - MARGIN,
                y: FOOTER_Y,
                size: 7.5,
                bold: false,
                align: Align::Right,
                text: footer(n + 1, pages),
            });
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        bold: is_bold,
                        align,
                        text,
                    } => {
                        let m = metrics(is_bold);
                        let x = match align {
                            Align::Left => x,
                            Align::Right => x - m.width(&text, size),
                        };
                        let font = if is_bold { bold.clone() } else { regular.clone() };
                        let glyphs = m.shape(&text);
                        surface.draw_glyphs(Point::from_xy(x, y), &glyphs, font, &text, size, false);
                    }
                    Op::Rule { x1, x2, y, width } => {
                        if let Some(rect) = Rect::from_xywh(x1, y - width / 2.0, x2 - x1, width) {
                            fill_rect(&mut surface, rect, 90);
                        }
                    }
                    Op::Shade { x, y, w, h } => {
                        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                            fill_rect(&mut surface, rect, 236);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| format!("{e:?}"))
    }
}

fn fill_rect(surface: &mut krilla::surface::Surface<'_>, rect: Rect, grey: u8) {
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    let Some(path) = pb.finish() else { return };
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(grey, grey, grey).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }));
    surface.draw_path(&path);
    // Text after it is black again.
    surface.set_fill(Some(Fill::default()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_and_cut() {
        let w = text_width("0000", 10.0, false);
        assert!(w > 20.0 && w < 30.0, "{w}");
        assert!(text_width("WWW", 10.0, true) > text_width("iii", 10.0, true));
        let cut = fit("a very long merchant reference indeed", 8.5, false, 60.0);
        assert!(cut.ends_with('…') && text_width(&cut, 8.5, false) <= 60.0, "{cut}");
        assert_eq!(fit("short", 8.5, false, 60.0), "short");
    }

    #[test]
    fn pages_break_and_render() {
        let mut l = Layout::new();
        let cols = [
            Col {
                x: MARGIN,
                w: 100.0,
                align: Align::Left,
            },
            Col {
                x: 300.0,
                w: 100.0,
                align: Align::Right,
            },
        ];
        l.table(&cols, &["Date".into(), "Amount".into()]);
        for i in 0..200 {
            l.row(&cols, &[format!("row {i}"), format!("{i}.00")], false);
        }
        l.end_table();
        assert!(l.pages.len() >= 3);
        l.line("Betalningsreferens XK3P9Q · 1 234,50 kr", 10.0, true);
        let pdf = l.render("t", "en", |p, n| format!("{p}/{n}")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // Text is extractable (each glyph maps back to its character).
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap();
        assert!(
            text.contains("row 199") && text.contains("Betalningsreferens XK3P9Q"),
            "{text}"
        );
        assert!(text.contains(&format!("1/{}", pages.len())));
    }
}
