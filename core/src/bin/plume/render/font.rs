//! A 3x5 pixel font for the numbers of colour bars and legends: digits, `.`, `-`, `+`, `e`.

/// Glyph rows, top first, three bits each (bit 2 = left column).
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        'e' => [0b010, 0b101, 0b111, 0b100, 0b011],
        _ => return None,
    })
}

/// Pixel scale of the text.
pub const SCALE: usize = 2;
/// Width of one character cell in pixels (glyph plus one column of spacing).
pub const ADVANCE: usize = 4 * SCALE;
/// Height of the text in pixels.
pub const HEIGHT: usize = 5 * SCALE;

/// Width in pixels of `text`.
pub fn width(text: &str) -> usize {
    text.chars().count() * ADVANCE
}

/// Calls `set(x, y)` for every lit pixel of `text` drawn with its top-left corner at the
/// origin; characters without a glyph are left blank.
pub fn draw(text: &str, mut set: impl FnMut(usize, usize)) {
    for (k, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            set(k * ADVANCE + col * SCALE + dx, r * SCALE + dy);
                        }
                    }
                }
            }
        }
    }
}

/// A short rendering of `v` with only the font's characters: at most 4 significant
/// digits, scientific notation outside [1e-3, 1e5).
pub fn number(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() >= 1e5 || v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let digits = (3 - v.abs().log10().floor() as i64).clamp(0, 6) as usize;
    let text = format!("{v:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_only_glyphs() {
        for v in [0.0, 1.0, -0.5, 0.210048, 123456.0, 1.5e-7, -3.25e12, 0.001, 99999.0] {
            let t = number(v);
            assert!(t.chars().all(|c| glyph(c).is_some()), "{v} -> {t}");
        }
        assert_eq!(number(0.210048), "0.21");
        assert_eq!(number(1.5e-7), "1.50e-7");
    }
}
