//! The one error table of the SDMX web service: [`SdmxError`] carries the SDMX 2.1 error code
//! (100 No results found, 140 Syntax error, 150 Semantic error, …), the HTTP status the SDMX 2.1
//! RESTful specification pairs with it, and a message naming the part of the request at fault.
//! [`BuildError`] is for the stats crate: what is wrong with cells or a catalogue handed to this
//! crate (a programming or data error, never shown to an anonymous client as such).

/// An error answered to an SDMX REST client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdmxError {
    /// 100 — the query is valid but matches nothing (HTTP 404).
    #[error("No results found: {0}")]
    NoResults(String),
    /// 140 — the request cannot be parsed (HTTP 400).
    #[error("Syntax error: {0}")]
    Syntax(String),
    /// 150 — the request is well formed but asks for something meaningless (HTTP 403).
    #[error("Semantic error: {0}")]
    Semantic(String),
    /// 406 — none of the media types in `Accept` (or `format=`) can be produced (HTTP 406).
    #[error("Not acceptable: {0}")]
    NotAcceptable(String),
    /// 501 — part of the standard this service does not implement (HTTP 501).
    #[error("Not implemented: {0}")]
    NotImplemented(String),
}

impl SdmxError {
    /// The SDMX error code (SDMX 2.1 REST specification, section "Error handling").
    pub fn code(&self) -> u16 {
        match self {
            SdmxError::NoResults(_) => 100,
            SdmxError::Syntax(_) => 140,
            SdmxError::Semantic(_) => 150,
            // The standard has no code for content negotiation; 406 is the HTTP one.
            SdmxError::NotAcceptable(_) => 406,
            SdmxError::NotImplemented(_) => 501,
        }
    }

    /// The HTTP status that goes with [`SdmxError::code`].
    pub fn http_status(&self) -> u16 {
        match self {
            SdmxError::NoResults(_) => 404,
            SdmxError::Syntax(_) => 400,
            SdmxError::Semantic(_) => 403,
            SdmxError::NotAcceptable(_) => 406,
            SdmxError::NotImplemented(_) => 501,
        }
    }

    /// The message without the code's title.
    pub fn detail(&self) -> &str {
        match self {
            SdmxError::NoResults(m)
            | SdmxError::Syntax(m)
            | SdmxError::Semantic(m)
            | SdmxError::NotAcceptable(m)
            | SdmxError::NotImplemented(m) => m,
        }
    }
}

/// What is wrong with structures or cells handed to this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("'{0}' is not a valid SDMX id (letters, digits, _ @ $ - only, not starting with a digit for components)")]
    InvalidId(String),
    #[error("unknown standard dimension '{0}'")]
    UnknownDimension(String),
    #[error("dataflow {0} is not in the structures")]
    UnknownDataflow(String),
    #[error("data structure {0} is not in the structures")]
    UnknownDataStructure(String),
    #[error("codelist {0} is not in the structures")]
    UnknownCodelist(String),
    #[error("{structure}: '{component}' is not a dimension or attribute of it")]
    UnknownComponent {
        structure: String,
        component: String,
    },
    #[error("{structure}: a cell lacks dimension {dimension}")]
    MissingDimension {
        structure: String,
        dimension: String,
    },
    #[error("{structure}: {component} is given twice")]
    DuplicateComponent {
        structure: String,
        component: String,
    },
    #[error("{component}: code '{code}' is not in codelist {codelist}")]
    UnknownCode {
        component: String,
        code: String,
        codelist: String,
    },
    #[error("{structure}: two cells for key {key} and period {period}")]
    DuplicateObservation {
        structure: String,
        key: String,
        period: String,
    },
    #[error("{structure}: attribute {attribute} attached to the {level} has two values: '{first}' and '{second}'")]
    ConflictingAttribute {
        structure: String,
        attribute: String,
        level: &'static str,
        first: String,
        second: String,
    },
    #[error("{structure}: key {key} period {period} is confidential (CONF_STATUS={status}) but carries a value; a suppressed cell must have none")]
    ConfidentialValue {
        structure: String,
        key: String,
        period: String,
        status: String,
    },
    #[error("{structure}: key {key} period {period}: value is not a finite number")]
    NonFiniteValue {
        structure: String,
        key: String,
        period: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses() {
        let cases = [
            (SdmxError::NoResults("x".into()), 100, 404),
            (SdmxError::Syntax("x".into()), 140, 400),
            (SdmxError::Semantic("x".into()), 150, 403),
            (SdmxError::NotAcceptable("x".into()), 406, 406),
            (SdmxError::NotImplemented("x".into()), 501, 501),
        ];
        for (e, code, status) in cases {
            assert_eq!((e.code(), e.http_status()), (code, status), "{e}");
            assert_eq!(e.detail(), "x");
        }
    }
}
