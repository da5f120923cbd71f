//! Reading MessagePack items, without regard to any cty type.

use std::fmt;

use rmp::Marker;

use crate::error::DecodeError;

/// A msgpack item header; strings and binaries come with their payload.
pub(super) enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    F32(f32),
    F64(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(u32),
    Map(u32),
    /// The payload is not consumed yet.
    Ext {
        code: i8,
        len: u32,
    },
    Reserved,
}

impl fmt::Display for Head<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Head::Nil => "nil",
            Head::Bool(_) => "bool",
            Head::Int(_) | Head::Uint(_) => "integer",
            Head::F32(_) | Head::F64(_) => "float",
            Head::Str(_) => "string",
            Head::Bin(_) => "binary",
            Head::Array(_) => "array",
            Head::Map(_) => "map",
            Head::Ext { .. } => "extension",
            Head::Reserved => "reserved byte 0xc1",
        })
    }
}

pub(super) fn expected(what: &str, got: &Head<'_>) -> DecodeError {
    DecodeError::new(format!("expected {what}, got {got}"))
}

pub(super) fn utf8(b: &[u8], what: &str) -> Result<String, DecodeError> {
    std::str::from_utf8(b)
        .map(str::to_owned)
        .map_err(|_| DecodeError::new(format!("{what} is not valid UTF-8")))
}

/// A cursor over MessagePack input.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// How many bytes are left unread.
    pub(super) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let eof = || DecodeError::new("unexpected end of msgpack input");
        let end = self.pos.checked_add(n).ok_or_else(eof)?;
        let s = self.buf.get(self.pos..end).ok_or_else(eof)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        <[u8; N]>::try_from(s).map_err(|_| DecodeError::new("unexpected end of msgpack input"))
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(super) fn head(&mut self) -> Result<Head<'a>, DecodeError> {
        let b = self.u8()?;
        Ok(match Marker::from_u8(b) {
            Marker::FixPos(n) => Head::Int(i64::from(n)),
            Marker::FixNeg(n) => Head::Int(i64::from(n)),
            Marker::Null => Head::Nil,
            Marker::True => Head::Bool(true),
            Marker::False => Head::Bool(false),
            Marker::U8 => Head::Uint(u64::from(self.u8()?)),
            Marker::U16 => Head::Uint(u64::from(self.u16()?)),
            Marker::U32 => Head::Uint(u64::from(self.u32()?)),
            Marker::U64 => Head::Uint(u64::from_be_bytes(self.array()?)),
            Marker::I8 => Head::Int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Head::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Head::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Head::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Head::F32(f32::from_be_bytes(self.array()?)),
            Marker::F64 => Head::F64(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(n) => Head::Str(self.take(usize::from(n))?),
            Marker::Str8 => {
                let n = self.u8()?;
                Head::Str(self.take(usize::from(n))?)
            }
            Marker::Str16 => {
                let n = self.u16()?;
                Head::Str(self.take(usize::from(n))?)
            }
            Marker::Str32 => {
                let n = self.u32()?;
                Head::Str(self.take(n as usize)?)
            }
            Marker::Bin8 => {
                let n = self.u8()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            Marker::Bin16 => {
                let n = self.u16()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            Marker::Bin32 => {
                let n = self.u32()?;
                Head::Bin(self.take(n as usize)?)
            }
            Marker::FixArray(n) => Head::Array(u32::from(n)),
            Marker::Array16 => Head::Array(u32::from(self.u16()?)),
            Marker::Array32 => Head::Array(self.u32()?),
            Marker::FixMap(n) => Head::Map(u32::from(n)),
            Marker::Map16 => Head::Map(u32::from(self.u16()?)),
            Marker::Map32 => Head::Map(self.u32()?),
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 => {
                let n = self.u8()?;
                self.ext(u32::from(n))?
            }
            Marker::Ext16 => {
                let n = self.u16()?;
                self.ext(u32::from(n))?
            }
            Marker::Ext32 => {
                let n = self.u32()?;
                self.ext(n)?
            }
            Marker::Reserved => Head::Reserved,
        })
    }

    fn ext(&mut self, len: u32) -> Result<Head<'a>, DecodeError> {
        let code = i8::from_be_bytes(self.array()?);
        Ok(Head::Ext { code, len })
    }

    /// Skips one complete item, iteratively.
    pub(super) fn skip(&mut self) -> Result<(), DecodeError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            match self.head()? {
                Head::Array(n) => pending += u64::from(n),
                Head::Map(n) => pending += 2 * u64::from(n),
                Head::Ext { len, .. } => {
                    self.take(len as usize)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
