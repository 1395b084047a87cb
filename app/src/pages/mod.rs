//! One module per page.

#[cfg(feature = "ssr")]
pub mod frame;
mod landing;
mod not_found;
#[cfg(feature = "ssr")]
pub mod preview;

pub use landing::LandingPage;
pub use not_found::NotFoundPage;
