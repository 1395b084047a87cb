//! One module per route.

mod landing;
mod not_found;

pub use landing::LandingPage;
pub use not_found::NotFoundPage;
