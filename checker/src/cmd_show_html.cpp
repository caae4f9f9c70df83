#include "trace_commands.hpp"

#include <weft/checker/cli.hpp>
#include <weft/traces/html.hpp>
#include <weft/traces/trace_io.hpp>

#include <iostream>

namespace weft::checker {

int cmd_show_html(const std::string& file) {
  try {
    std::cout << traces::render_html(traces::read_file(file));
  } catch (const traces::parse_error& e) {
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  }
  return 0;
}

}  // namespace weft::checker
