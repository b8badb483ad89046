//! The notes service on 127.0.0.1 (port 8080, or `PORT`), for `conform run --target
//! notes=http://127.0.0.1:8080` from outside the test.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("notes on http://{}", listener.local_addr()?);
    axum::serve(listener, rust_service::app()).await
}
