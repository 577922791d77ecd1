//! A forgiving CSV record reader that never loses a line.
//!
//! It follows RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes) and accepts
//! what real exports contain: any delimiter, `\r\n`, `\n` and lone `\r` line endings mixed in
//! one file, stray quotes inside unquoted fields. An opening quote that is never closed would
//! swallow the rest of the file; instead, when a quoted field runs past [`MAX_QUOTED_LINES`]
//! lines or the end of the file, the record's first line is returned as [`CsvItem::Broken`] and
//! reading resumes on the next line.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// A quoted field may span at most this many physical lines before it is called unterminated.
pub const MAX_QUOTED_LINES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum CsvItem {
    Record {
        fields: Vec<String>,
        line: u64,
    },
    Broken {
        raw: String,
        line: u64,
        reason: String,
    },
}

pub struct CsvRecords<R> {
    input: R,
    delimiter: u8,
    expected_fields: Option<usize>,
    pending: VecDeque<(u64, String)>,
    next_line: u64,
    buf: String,
}

impl<R: BufRead> CsvRecords<R> {
    pub fn new(input: R, delimiter: u8) -> Self {
        CsvRecords {
            input,
            delimiter,
            expected_fields: None,
            pending: VecDeque::new(),
            next_line: 1,
            buf: String::new(),
        }
    }

    /// Once the header is known: a record spanning several lines whose field count differs
    /// from the header's is an unterminated quote that a later quote happened to close.
    pub fn expect_fields(&mut self, count: usize) {
        self.expected_fields = Some(count);
    }

    /// Next physical line (1-based number, text without its terminator).
    fn line(&mut self) -> io::Result<Option<(u64, String)>> {
        if let Some(line) = self.pending.pop_front() {
            return Ok(Some(line));
        }
        self.buf.clear();
        if self.input.read_line(&mut self.buf)? == 0 {
            return Ok(None);
        }
        let text = self.buf.trim_end_matches(['\n', '\r']);
        if text.contains('\r') {
            // Lone carriage returns end lines too (old Mac exports, mixed files).
            let mut parts = text.split('\r');
            let first = parts.next().unwrap_or_default().to_string();
            for part in parts {
                self.pending.push_back((0, part.to_string()));
            }
            let number = self.next_line;
            self.next_line += 1;
            for (n, _) in self.pending.iter_mut().filter(|(n, _)| *n == 0) {
                *n = self.next_line;
                self.next_line += 1;
            }
            return Ok(Some((number, first)));
        }
        let number = self.next_line;
        self.next_line += 1;
        Ok(Some((number, text.to_string())))
    }

    /// The next record, skipping blank lines.
    pub fn next_item(&mut self) -> io::Result<Option<CsvItem>> {
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut lines: Vec<(u64, String)> = Vec::new();
        let mut in_quotes = false;
        let mut at_field_start = true;
        loop {
            let Some((number, line)) = self.line()? else {
                if lines.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.broken(lines, fields.len() + 1)));
            };
            if lines.is_empty() && line.trim().is_empty() {
                continue;
            }
            lines.push((number, line));
            let Some((_, line)) = lines.last() else {
                continue;
            };
            let bytes = line.as_bytes();
            let mut i = 0;
            let mut start = 0;
            while i < bytes.len() {
                let b = bytes[i];
                if in_quotes {
                    if b == b'"' {
                        field.push_str(&line[start..i]);
                        if bytes.get(i + 1) == Some(&b'"') {
                            field.push('"');
                            i += 2;
                        } else {
                            in_quotes = false;
                            i += 1;
                        }
                        start = i;
                        continue;
                    }
                } else if b == self.delimiter {
                    field.push_str(&line[start..i]);
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                    i += 1;
                    start = i;
                    continue;
                } else if b == b'"' && at_field_start {
                    in_quotes = true;
                    at_field_start = false;
                    i += 1;
                    start = i;
                    continue;
                }
                at_field_start = false;
                i += 1;
            }
            field.push_str(&line[start..]);
            if in_quotes {
                if lines.len() >= MAX_QUOTED_LINES {
                    return Ok(Some(self.broken(lines, fields.len() + 1)));
                }
                field.push('\n');
                continue;
            }
            fields.push(field);
            if lines.len() > 1 && self.expected_fields.is_some_and(|n| n != fields.len()) {
                let field = lines
                    .first()
                    .map(|(_, l)| count_fields_before_open_quote(l, self.delimiter))
                    .unwrap_or(1);
                return Ok(Some(self.broken(lines, field)));
            }
            let line = lines.first().map(|(n, _)| *n).unwrap_or_default();
            return Ok(Some(CsvItem::Record { fields, line }));
        }
    }

    /// The first line of an unterminated record is returned whole; the others are read again.
    fn broken(&mut self, mut lines: Vec<(u64, String)>, field: usize) -> CsvItem {
        let rest = lines.split_off(1.min(lines.len()));
        for line in rest.into_iter().rev() {
            self.pending.push_front(line);
        }
        let (line, raw) = lines.pop().unwrap_or_default();
        CsvItem::Broken {
            raw,
            line,
            reason: format!(
                "unterminated quote in field {field} (line {line}): a field opens with \" but \
                 never closes; close the quote or remove it"
            ),
        }
    }
}

/// The 1-based field in which a line leaves a quote open.
fn count_fields_before_open_quote(line: &str, delimiter: u8) -> usize {
    let mut field = 1;
    let mut in_quotes = false;
    let mut at_start = true;
    let mut open_field = 1;
    for &b in line.as_bytes() {
        if in_quotes {
            if b == b'"' {
                in_quotes = false;
            }
        } else if b == delimiter {
            field += 1;
            at_start = true;
            continue;
        } else if b == b'"' && at_start {
            in_quotes = true;
            open_field = field;
        }
        at_start = false;
    }
    open_field
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<CsvItem> {
        let mut r = CsvRecords::new(text.as_bytes(), b',');
        let mut out = Vec::new();
        while let Some(item) = r.next_item().unwrap() {
            out.push(item);
        }
        out
    }

    fn rec(fields: &[&str], line: u64) -> CsvItem {
        CsvItem::Record {
            fields: fields.iter().map(|s| s.to_string()).collect(),
            line,
        }
    }

    #[test]
    fn reads_rfc4180_and_real_world_variants() {
        assert_eq!(
            read("a,b\n1,2\n"),
            vec![rec(&["a", "b"], 1), rec(&["1", "2"], 2)]
        );
        assert_eq!(
            read("a,b\r\n1,2\r\n"),
            vec![rec(&["a", "b"], 1), rec(&["1", "2"], 2)]
        );
        assert_eq!(
            read("a,b\r1,2\n3,4\r\n5,6"),
            vec![
                rec(&["a", "b"], 1),
                rec(&["1", "2"], 2),
                rec(&["3", "4"], 3),
                rec(&["5", "6"], 4)
            ]
        );
        assert_eq!(
            read("\"x, y\",\"say \"\"hi\"\"\"\n"),
            vec![rec(&["x, y", "say \"hi\""], 1)]
        );
        assert_eq!(
            read("\"multi\nline\",2\n3,4\n"),
            vec![rec(&["multi\nline", "2"], 1), rec(&["3", "4"], 3)]
        );
        assert_eq!(
            read("O\"Brien,5\" screen\n"),
            vec![rec(&["O\"Brien", "5\" screen"], 1)]
        );
        assert_eq!(
            read("a,,\n\n\n1,2,3\n"),
            vec![rec(&["a", "", ""], 1), rec(&["1", "2", "3"], 4)]
        );
        assert_eq!(read(""), vec![]);
    }

    #[test]
    fn unterminated_quote_loses_no_line() {
        let items = read("a,b\n1,\"broken\n2,3\n4,5\n");
        assert_eq!(items.len(), 4);
        assert_eq!(items[0], rec(&["a", "b"], 1));
        match &items[1] {
            CsvItem::Broken { raw, line, reason } => {
                assert_eq!(raw, "1,\"broken");
                assert_eq!(*line, 2);
                assert!(reason.contains("unterminated quote in field 2"), "{reason}");
            }
            other => panic!("expected broken, got {other:?}"),
        }
        assert_eq!(items[2], rec(&["2", "3"], 3));
        assert_eq!(items[3], rec(&["4", "5"], 4));
    }

    #[test]
    fn unterminated_quote_closed_by_a_later_quote_resyncs() {
        let mut r = CsvRecords::new("a,b\n1,\"broken\n2,3\n\"4\",5\n".as_bytes(), b',');
        r.expect_fields(2);
        let mut items = Vec::new();
        while let Some(item) = r.next_item().unwrap() {
            items.push(item);
        }
        assert_eq!(items.len(), 4, "{items:?}");
        assert!(
            matches!(&items[1], CsvItem::Broken { line: 2, reason, .. } if reason.contains("field 2"))
        );
        assert_eq!(items[2], rec(&["2", "3"], 3));
        assert_eq!(items[3], rec(&["4", "5"], 4));
    }

    #[test]
    fn unterminated_quote_far_from_the_end_resyncs() {
        let mut text = String::from("1,\"open\n");
        for i in 0..100 {
            text.push_str(&format!("{i},x\n"));
        }
        let items = read(&text);
        assert!(matches!(items[0], CsvItem::Broken { line: 1, .. }));
        assert_eq!(items.len(), 101);
        assert_eq!(items[100], rec(&["99", "x"], 101));
    }
}
