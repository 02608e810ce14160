// uk-dyn-run --invoke: load and initialise once, then call an exported
// function with arguments and a return type given on the command line
// (libffi), possibly many times in the same instance, as a FaaS platform
// calls a handler. Every argument and return type, on the corpus apps'
// handlers and on the test app's.
#include <gtest/gtest.h>

#include "dyn_util.h"

namespace uk::test {
namespace {

const std::string kDyntest = test_app("dyntest");

RunResult invoke(const std::string &app, const std::string &sym, const std::vector<std::string> &args,
                 const std::vector<std::string> &opts = {}) {
  std::vector<std::string> argv = opts;
  argv.push_back("--invoke");
  argv.push_back(sym);
  for (const std::string &a : args) {
    argv.push_back("--arg");
    argv.push_back(a);
  }
  argv.push_back(app);
  return dyn_run(argv);
}

TEST(Invoke, HelloworldHandlerStringIntAndStateAcrossCalls) {
  RunResult r = invoke(so_of("helloworld"), "uk_handler", {"string:FaaS", "int:2"});
  EXPECT_EQ(r.status, 0) << r.err;
  // The handler's own output first, then its return value; main never ran,
  // the destructor did (TLS counter 40 + 2 greetings).
  EXPECT_EQ(r.out, "Hello, FaaS!\nHello, FaaS!\n2\ngoodbye (tls 42)\n");
  RunResult rep = invoke(so_of("helloworld"), "uk_handler", {"pointer:null", "i32:1"}, {"--repeat", "3"});
  EXPECT_EQ(rep.status, 0) << rep.err;
  EXPECT_EQ(rep.out, "Hello, world!\n1\nHello, world!\n1\nHello, world!\n1\ngoodbye (tls 43)\n");
}

TEST(Invoke, MandelbrotHandlerDoublesAndI64) {
  RunResult in = invoke(so_of("mandelbrot"), "uk_handler", {"double:0", "double:0", "i64:1000"}, {"--ret", "i64"});
  EXPECT_EQ(in.status, 0) << in.err;
  EXPECT_EQ(in.out, "1000\n"); // the origin never escapes
  RunResult out = invoke(so_of("mandelbrot"), "uk_handler", {"double:1.5", "double:1.5", "i64:1000"}, {"--ret", "i64"});
  EXPECT_EQ(out.out, "1\n");
  RunResult edge = invoke(so_of("mandelbrot"), "uk_handler", {"double:-0.75", "double:0.1", "i64:1000"},
                          {"--ret", "i64", "--bind-now"});
  EXPECT_EQ(edge.out, "33\n");
}

TEST(Invoke, EveryArgumentAndReturnType) {
  EXPECT_EQ(invoke(kDyntest, "dt_add", {"int:40", "int:2"}).out, "42\n");
  EXPECT_EQ(invoke(kDyntest, "dt_add", {"int:-5", "i32:0x10"}).out, "11\n");
  EXPECT_EQ(invoke(kDyntest, "dt_mul64", {"i64:3000000000", "i64:-3"}, {"--ret", "i64"}).out, "-9000000000\n");
  EXPECT_EQ(invoke(kDyntest, "dt_scale", {"double:1.25", "int:3"}, {"--ret", "double"}).out, "3.75\n");
  EXPECT_EQ(invoke(kDyntest, "dt_upper", {"string:Hello FaaS"}, {"--ret", "string"}).out, "HELLO FAAS\n");
  EXPECT_EQ(invoke(kDyntest, "dt_ptr_add", {"pointer:0x1000", "i64:0x20"}, {"--ret", "pointer"}).out, "0x1020\n");
  EXPECT_EQ(invoke(kDyntest, "dt_is_null", {"pointer:null"}).out, "1\n");
  EXPECT_EQ(invoke(kDyntest, "dt_is_null", {"pointer:4096"}).out, "0\n");
  EXPECT_EQ(invoke(kDyntest, "dt_print", {"string:side effect"}, {"--ret", "void"}).out, "dt_print: side effect\n");
  // Sixteen arguments: the last ones on the stack, doubles past %xmm7.
  EXPECT_EQ(invoke(kDyntest, "dt_many",
                   {"int:1", "i64:2", "double:0.5", "string:four", "int:5", "int:6", "int:7", "double:8", "double:9",
                    "double:10", "double:11", "double:12", "double:13", "double:14", "i64:15", "double:0.25"},
                   {"--ret", "double"})
                .out,
            "117.75\n");
}

TEST(Invoke, OneInstanceManyCalls) {
  RunResult r = invoke(kDyntest, "dt_count", {}, {"--repeat", "5", "--stats"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "1\n2\n3\n4\n5\n");
  EXPECT_NE(r.err.find("uk-dyn-run: stats: invoke dt_count: 5 calls, mean "), std::string::npos) << r.err;
  // TLS of the instance persists between calls too (app_local_tls starts at 5).
  EXPECT_EQ(invoke(kDyntest, "dt_tls_counter", {}, {"--repeat", "2"}).out, "6\n7\n");
}

TEST(Invoke, InitialisersRunMainDoesNot) {
  RunResult r = dyn_run({"--invoke", "dt_add", "--arg", "int:1", "--arg", "int:1", kDyntest}, "",
                        {"DYNTEST_TRACE=1"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "2\n");
  EXPECT_NE(r.err.find("init app\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fini app\n"), std::string::npos) << r.err;
}

TEST(Invoke, Errors) {
  EXPECT_EQ(expect_load_error(invoke(kDyntest, "no_such_handler", {})),
            "uk-dyn-run: " + kDyntest + ": --invoke: no loaded object exports 'no_such_handler'\n");
  EXPECT_EQ(expect_load_error(invoke(kDyntest, "dyntest_counter", {})),
            "uk-dyn-run: " + kDyntest + ": --invoke: 'dyntest_counter' is not a function\n");
  // Bad option values are usage errors (125).
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {"int:x"})),
            "uk-dyn-run: --arg 'int:x': 'x' is not a 32-bit integer\n");
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {"int:4294967296"})),
            "uk-dyn-run: --arg 'int:4294967296': '4294967296' is not a 32-bit integer\n");
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {"float:1"})),
            "uk-dyn-run: --arg 'float:1': expected TYPE:VALUE with TYPE int, i32, i64, double, string or pointer\n");
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {"double:1e"})),
            "uk-dyn-run: --arg 'double:1e': '1e' is not a number\n");
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {}, {"--ret", "char"})),
            "uk-dyn-run: --ret 'char': expected void, int, i32, i64, double, string or pointer\n");
  EXPECT_EQ(expect_usage_error(invoke(kDyntest, "dt_add", {}, {"--repeat", "0"})),
            "uk-dyn-run: --repeat '0': expected a count from 1 to 1000000000\n");
}

} // namespace
} // namespace uk::test
