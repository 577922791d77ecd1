//! A minimal XML writer into a `String`: escaped text and attributes, two-space indentation,
//! self-closing empty elements. Element and attribute names are our own constants, never data.

use marsad_model::Lang;

use crate::model::Names;

/// Escapes `&`, `<`, `>`, `"` and `'`, and drops characters XML 1.0 forbids (C0 controls but
/// tab, line feed and carriage return, which are kept as character references in attributes).
pub fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, true);
    out
}

/// Writes elements one at a time.
pub struct XmlWriter {
    out: String,
    stack: Vec<&'static str>,
    /// An element start written without its closing `>` yet.
    open: bool,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            stack: Vec::new(),
            open: false,
        }
    }

    fn close_start(&mut self) {
        if self.open {
            self.out.push_str(">\n");
            self.open = false;
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.stack.len() {
            self.out.push_str("  ");
        }
    }

    /// Starts an element with attributes (`None` values are left out).
    pub fn start(&mut self, name: &'static str, attrs: &[(&str, Option<&str>)]) {
        self.close_start();
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push(' ');
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_into(&mut self.out, v, true);
                self.out.push('"');
            }
        }
        self.stack.push(name);
        self.open = true;
    }

    /// Ends the current element (`/>` when it is empty).
    pub fn end(&mut self) {
        let Some(name) = self.stack.pop() else {
            return;
        };
        if self.open {
            self.out.push_str("/>\n");
            self.open = false;
            return;
        }
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// An empty element.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, Option<&str>)]) {
        self.start(name, attrs);
        self.end();
    }

    /// An element holding only text.
    pub fn text_element(&mut self, name: &'static str, attrs: &[(&str, Option<&str>)], text: &str) {
        self.start(name, attrs);
        self.open = false;
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.stack.pop();
    }

    /// One `name` element per language, with `xml:lang`.
    pub fn names(&mut self, name: &'static str, names: &Names) {
        for (lang, text) in names.iter() {
            self.text_element(name, &[("xml:lang", Some(lang_tag(lang)))], text);
        }
    }

    /// Closes every open element and returns the document.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.end();
        }
        self.out
    }
}

impl Default for XmlWriter {
    fn default() -> Self {
        XmlWriter::new()
    }
}

pub fn lang_tag(lang: Lang) -> &'static str {
    lang.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{1}y\tz\n"), "xy&#9;z&#10;");
        let mut s = String::new();
        escape_into(&mut s, "l'\"a\"\n<", false);
        assert_eq!(s, "l'\"a\"\n&lt;");
    }

    #[test]
    fn nesting() {
        let mut w = XmlWriter::new();
        w.start("a", &[("x", Some("1")), ("y", None)]);
        w.empty("b", &[]);
        w.text_element("c", &[], "t&t");
        w.start("d", &[]);
        let got = w.finish();
        assert_eq!(
            got,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1\">\n  <b/>\n  <c>t&amp;t</c>\n  <d/>\n</a>\n"
        );
    }
}
