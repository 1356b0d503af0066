//! Colour maps: viridis for fields, a blue-white-red diverging map for differences, and the
//! fixed label legend of FORMAT.md ("Labels").

/// Viridis at nine evenly spaced points.
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// Blue - white - red.
const DIVERGING: [[u8; 3]; 3] = [[59, 76, 192], [247, 247, 247], [180, 4, 38]];

/// The colour of a non-finite value or one outside a log scale.
pub const INVALID: [u8; 3] = [255, 0, 255];

/// A colour map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourMap {
    /// Perceptually uniform, dark blue to yellow.
    Viridis,
    /// Blue (negative) through white (zero) to red (positive).
    Diverging,
}

impl ColourMap {
    /// The colour at `t` in [0, 1] (clamped; NaN gives [`INVALID`]).
    pub fn at(self, t: f64) -> [u8; 3] {
        if t.is_nan() {
            return INVALID;
        }
        let anchors: &[[u8; 3]] = match self {
            ColourMap::Viridis => &VIRIDIS,
            ColourMap::Diverging => &DIVERGING,
        };
        let x = t.clamp(0.0, 1.0) * (anchors.len() - 1) as f64;
        let i = (x.floor() as usize).min(anchors.len() - 2);
        let f = x - i as f64;
        let mut c = [0u8; 3];
        for k in 0..3 {
            let (a, b) = (f64::from(anchors[i][k]), f64::from(anchors[i + 1][k]));
            c[k] = (a + (b - a) * f).round() as u8;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_middle() {
        assert_eq!(ColourMap::Viridis.at(0.0), VIRIDIS[0]);
        assert_eq!(ColourMap::Viridis.at(1.0), VIRIDIS[8]);
        assert_eq!(ColourMap::Viridis.at(2.0), VIRIDIS[8]);
        assert_eq!(ColourMap::Diverging.at(0.5), [247, 247, 247]);
        assert_eq!(ColourMap::Viridis.at(f64::NAN), INVALID);
    }
}
