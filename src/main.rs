//! Browser entry point (built by Trunk for wasm32); natively it just points to the CLI.

fn main() {
    #[cfg(all(feature = "web", target_arch = "wasm32"))]
    mi_playground::app::start();
    #[cfg(not(all(feature = "web", target_arch = "wasm32")))]
    eprintln!("This binary is the browser app; build it with `trunk build`. The command-line tool is `mip`.");
}
