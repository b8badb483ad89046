//! `conform fuzz`: requests generated from the spec; [`r#gen::Generator`] makes their values
//! (`gen` is a reserved word in edition 2024, hence `r#gen`).

pub mod r#gen;
