fn main() {
    dli_conformance::Suite::against_router(own_server::app()).test()
}
