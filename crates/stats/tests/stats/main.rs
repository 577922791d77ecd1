//! The integration tests of `marsad-stats`, in one binary (link time matters on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cube;
mod docs;
mod facts;
mod flows;
mod rng;
