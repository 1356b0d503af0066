//! A raw bit stream (FORMAT.md section 5): values of up to 32 bits, least significant bit
//! first, in bytes filled from their least significant bit; the last byte is padded with
//! zeros. The Huffman coder writes its codes with [`BitWriter`]; the tabled coder writes and
//! reads its sign and low magnitude bits with both.
//!
//! The reader never panics and never reads past its input: missing bits read as 0 and are
//! reported by [`BitReader::finish`] with the byte offset.

/// Writes values of up to 32 bits, least significant bit first, appending to a byte vector.
#[derive(Debug)]
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl<'a> BitWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, n: 0 }
    }

    /// Appends the `n_bits` (<= 32) low bits of `value` (higher bits must be 0).
    #[inline(always)]
    pub fn put(&mut self, value: u32, n_bits: u32) {
        debug_assert!(n_bits <= 32 && u64::from(value) >> n_bits == 0);
        self.acc |= u64::from(value) << self.n;
        self.n += n_bits;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    /// Writes the last bits, the last byte zero-padded.
    pub fn finish(self) {
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..self.n.div_ceil(8) as usize]);
    }
}

/// Reads what [`BitWriter`] wrote.
#[derive(Debug)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load.
    pos: usize,
    acc: u64,
    n: u32,
    /// Bits read past the end of `data`.
    overrun: bool,
}

impl<'a> BitReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0, acc: 0, n: 0, overrun: false }
    }

    /// Reads `n_bits` (<= 32) bits.
    #[inline(always)]
    pub fn get(&mut self, n_bits: u32) -> u32 {
        if self.n < n_bits {
            self.refill(n_bits);
        }
        let v = (self.acc & ((1u64 << n_bits) - 1)) as u32;
        self.acc >>= n_bits;
        self.n -= n_bits;
        v
    }

    /// Loads 4 bytes, or the last ones; if fewer than `need` bits are then held the data
    /// has ended: it marks an overrun and the missing bits read as 0.
    #[inline(never)]
    fn refill(&mut self, need: u32) {
        if let Some(b) = self.data.get(self.pos..self.pos + 4) {
            self.acc |= u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) << self.n;
            self.n += 32;
            self.pos += 4;
            return;
        }
        while self.n <= 56 && self.pos < self.data.len() {
            self.acc |= u64::from(self.data[self.pos]) << self.n;
            self.n += 8;
            self.pos += 1;
        }
        if self.n < need {
            self.overrun = true;
            self.n = need;
        }
    }

    /// Checks the end: no bit was read past the data, every byte was loaded and the
    /// bits left over are the last byte's zero padding (fewer than 8).
    pub fn finish(self) -> Result<(), (usize, String)> {
        if self.overrun {
            return Err((
                self.data.len(),
                format!("bit stream: truncated ({} bytes, more needed)", self.data.len()),
            ));
        }
        if self.pos != self.data.len() || self.n >= 8 {
            let unread = self.data.len() - self.pos + self.n as usize / 8;
            return Err((self.data.len() - unread, format!("bit stream: {unread} trailing bytes")));
        }
        if self.acc != 0 {
            return Err((self.data.len().saturating_sub(1), "bit stream: nonzero padding bits".to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::test_rng as rng;

    #[test]
    fn bits_round_trip_and_check_their_end() {
        let mut next = rng(3);
        let items: Vec<(u32, u32)> = (0..5000)
            .map(|_| {
                let n = (next() % 33) as u32;
                let v = if n == 0 { 0 } else { (next() as u32) >> (32 - n) };
                (v, n)
            })
            .collect();
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        for &(v, n) in &items {
            w.put(v, n);
        }
        w.finish();
        let total: u32 = items.iter().map(|i| i.1).sum();
        assert_eq!(out.len(), total.div_ceil(8) as usize);
        let mut r = BitReader::new(&out);
        for &(v, n) in &items {
            assert_eq!(r.get(n), v);
        }
        r.finish().expect("clean end");

        let mut r = BitReader::new(&out[..out.len() - 1]);
        for &(_, n) in &items {
            r.get(n);
        }
        assert!(r.finish().unwrap_err().1.contains("truncated"));
        let mut r = BitReader::new(&out);
        for &(_, n) in &items[..items.len() - 200] {
            r.get(n);
        }
        assert!(r.finish().unwrap_err().1.contains("trailing"));
    }
}
