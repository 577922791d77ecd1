//! Big-endian byte reading with offsets in every error, and the matching writers.
//!
//! Every reader in [`crate::formats`] walks its input through [`Reader`], so a truncated record
//! is reported with the format, the field being read and the byte offset where it was cut.

use super::FormatError;

/// A cursor over a byte slice that names the format it reads in its errors.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    format: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], format: &'static str) -> Self {
        Self {
            data,
            pos: 0,
            format,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], FormatError> {
        if self.remaining() < n {
            return Err(FormatError::Truncated {
                format: self.format,
                field,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, FormatError> {
        Ok(self.bytes(1, field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, FormatError> {
        let b = self.bytes(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, FormatError> {
        let b = self.bytes(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An error about the field that starts at `offset`.
    pub(crate) fn invalid(
        &self,
        field: &'static str,
        offset: usize,
        reason: impl Into<String>,
    ) -> FormatError {
        FormatError::Invalid {
            format: self.format,
            field,
            offset,
            reason: reason.into(),
        }
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}
