// The OpenAPI conformance test's server (tests/openapi/conformance.js): the
// fixture's gateways on 127.0.0.1, a free port. Prints "port <n>" once it
// listens, then serves until its standard input closes.
#include <cstdio>
#include <iostream>
#include <string>

#include "fixture.h"

int main() {
  openapi_fixture::Servers servers;
  std::printf("port %d\n", servers.port());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
