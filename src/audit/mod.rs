pub mod html;
pub mod findings;
