//! Browser entry point (built by Trunk for wasm32). Natively it is not a tool: it says so
//! on one line and exits with status 2, so scripts that probe binaries don't mistake it
//! for one. The command-line tool is `mip`.

fn main() {
    #[cfg(all(feature = "web", target_arch = "wasm32"))]
    mi_playground::app::start();
    #[cfg(not(all(feature = "web", target_arch = "wasm32")))]
    {
        eprintln!("mi-playground: this binary is the browser app (build it with `trunk build`); the command-line tool is `mip`");
        std::process::exit(2);
    }
}
