#include <weft/checker/cli.hpp>

int main(int argc, char** argv) { return weft::checker::run_cli(argc, argv); }
