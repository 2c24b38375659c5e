fn main() {
    println!("smtp-endpoint-server: not yet implemented");
}
