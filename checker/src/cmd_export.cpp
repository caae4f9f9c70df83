#include "trace_commands.hpp"

#include <weft/checker/cli.hpp>
#include <weft/traces/chrome_trace.hpp>
#include <weft/traces/trace_io.hpp>

#include <iostream>

namespace weft::checker {

int cmd_export_chrome(const std::string& file) {
  try {
    std::cout << traces::render_chrome_trace(traces::read_file(file));
  } catch (const traces::parse_error& e) {
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  }
  return 0;
}

}  // namespace weft::checker
