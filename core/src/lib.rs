//! Stairwell core.
