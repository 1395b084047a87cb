//! One module per page.

#[cfg(feature = "ssr")]
pub mod frame;
mod landing;
mod not_found;

pub use landing::LandingPage;
pub use not_found::NotFoundPage;
