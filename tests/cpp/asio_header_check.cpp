// Compiled with -fsyntax-only and every warning as an error (see
// CMakeLists.txt, the asio block): instantiates ctexec_asio.hpp's
// templates once. Never run.
#include "ctexec_asio.hpp"

#include <asio.hpp>

#include <memory>

namespace {

[[maybe_unused]] void instantiate(cte::executor &ex) {
    cte::asio_executor a(ex);
    a.execute([] {});
    auto never = asio::require(a, asio::execution::blocking.never);
    never.execute([p = std::make_unique<int>(1)] { (void)p; });
    auto alloc = asio::require(a, asio::execution::allocator(std::allocator<char>()));
    alloc.execute([] {});
    auto back = asio::require(alloc, asio::execution::allocator);
    (void)(back == a);
    (void)asio::query(a, asio::execution::outstanding_work);
    (void)asio::query(a, asio::execution::relationship);
    (void)asio::query(a, asio::execution::mapping);
    asio::any_io_executor any = a;
    asio::post(any, [] {});
    asio::dispatch(a, [] {});
    asio::defer(a, [] {});
    auto bound = asio::bind_executor(a, [] {});
    (void)bound;
    (void)a.running_in_this_thread();
}

} // namespace
