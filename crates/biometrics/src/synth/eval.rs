//! The FVC evaluation protocol and its figures (in progress).
