//! Statistics, pure: no I/O, no clock, no SQL. The store keeps what these functions compute; the
//! server and the command line publish it.

pub mod survey;
pub mod disclosure;
pub mod microdata;
