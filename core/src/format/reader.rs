//! A bounds-checked little-endian reader that knows its absolute stream offset, so every
//! decoding error names the section and the byte offset where it went wrong.

use crate::error::{Error, Result};

/// Reads little-endian values from a byte slice; never panics, never reads past the end.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    section: &'static str,
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`, whose first byte sits at stream offset `base`.
    pub fn new(data: &'a [u8], base: usize, section: &'static str) -> Self {
        ByteReader { data, pos: 0, base, section }
    }
    /// Switches the section name used in errors.
    pub fn set_section(&mut self, section: &'static str) {
        self.section = section;
    }
    /// The absolute stream offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }
    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    /// An error at the current offset in the current section.
    pub fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::corrupt(self.section, self.offset(), what)
    }
    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(format_args!("truncated: needs {n} bytes, {} left", self.remaining())));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }
    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    /// u16 LE.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    /// u32 LE.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    /// u64 LE.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// f64 LE (IEEE bits).
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A count that must fit `usize` and at most `max` (what the input can justify).
    pub fn count(&mut self, what: &str, max: usize) -> Result<usize> {
        let at = self.offset();
        let v = self.u64()?;
        match usize::try_from(v) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(Error::corrupt(self.section, at, format_args!("{what} {v} exceeds the limit {max}"))),
        }
    }
}
