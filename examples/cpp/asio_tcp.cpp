// An asio::io_context serving TCP on loopback, on its own thread, that
// hands each request's "GUI" step to a ctexec owner thread (here the main
// thread, standing in for a GUI loop) and back, with cte::asio_executor:
//
//     session (io thread) --co_spawn(gui, ...)--> gui_step (owner thread)
//                         <------ use_awaitable ----------'
//
// Clients connect, send lines, and read back what the GUI step made of
// them. Bounded: `clients` connections x `requests` lines each, and at most
// 30 s (the io_context's timer stops everything and the program fails).
// Exits 0 when every reply came back right and every GUI step ran on the
// owner thread.
//
// Usage: ctexec_asio_tcp [clients] [requests]   (defaults 4 and 500)
#include "ctexec_asio.hpp"

#include <asio.hpp>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <string>
#include <thread>
#include <vector>

using asio::ip::tcp;

namespace {

std::thread::id gui_thread;
std::atomic<long> gui_steps{0};
std::atomic<long> off_gui{0};

// The "GUI" step: runs on the owner thread (asserted), like a widget update.
asio::awaitable<std::string> gui_step(std::string line) {
    if (std::this_thread::get_id() != gui_thread) ++off_gui;
    ++gui_steps;
    for (auto &c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    co_return "gui:" + line + "\n";
}

// One connection, on the io_context: read a line, hop to the GUI for it,
// write the reply, until the client closes.
asio::awaitable<void> session(tcp::socket sock, cte::asio_executor gui) {
    std::string buf;
    try {
        for (;;) {
            std::size_t n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), '\n',
                                                             asio::use_awaitable);
            std::string line = buf.substr(0, n - 1);
            buf.erase(0, n);
            std::string reply = co_await asio::co_spawn(gui, gui_step(std::move(line)), asio::use_awaitable);
            co_await asio::async_write(sock, asio::buffer(reply), asio::use_awaitable);
        }
    } catch (const std::system_error &e) {
        if (e.code() != asio::error::eof) std::fprintf(stderr, "session: %s\n", e.what());
    }
}

asio::awaitable<void> listen(tcp::acceptor &acc, cte::asio_executor gui, int clients) {
    for (int i = 0; i < clients; i++) {
        tcp::socket s = co_await acc.async_accept(asio::use_awaitable);
        asio::co_spawn(acc.get_executor(), session(std::move(s), gui), asio::detached);
    }
}

} // namespace

int main(int argc, char **argv) {
    int clients = argc > 1 ? std::atoi(argv[1]) : 4;
    long requests = argc > 2 ? std::atol(argv[2]) : 500;
    gui_thread = std::this_thread::get_id();

    cte::executor gui;            // the main thread owns it: the "GUI" loop
    cte::asio_executor on_gui(gui);
    cte::promise<void> all_done;  // ends the GUI loop
    cte::future<void> finished = all_done.get_future();

    asio::io_context io;
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    const unsigned short port = acc.local_endpoint().port();
    asio::co_spawn(io, listen(acc, on_gui, clients), asio::detached);
    std::atomic<bool> timed_out{false};
    asio::steady_timer limit(io, std::chrono::seconds(30));
    limit.async_wait([&](std::error_code ec) {
        if (ec) return;
        timed_out = true;
        io.stop();
        all_done.set_value(); // let the GUI loop end; the program fails below
    });
    std::thread io_thread([&] { io.run(); });

    // The clients: plain blocking sockets, one thread each.
    std::atomic<long> good{0};
    std::atomic<int> left{clients};
    std::vector<std::thread> client_threads;
    for (int c = 0; c < clients; c++) {
        client_threads.emplace_back([&, c] {
            try {
                asio::io_context cio;
                tcp::socket s(cio);
                s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
                asio::streambuf in;
                for (long i = 0; i < requests; i++) {
                    std::string msg = "c" + std::to_string(c) + "r" + std::to_string(i);
                    asio::write(s, asio::buffer(msg + "\n"));
                    asio::read_until(s, in, '\n');
                    std::istream is(&in);
                    std::string reply;
                    std::getline(is, reply);
                    std::string want = "gui:C" + std::to_string(c) + "R" + std::to_string(i);
                    if (reply == want) ++good;
                }
                s.shutdown(tcp::socket::shutdown_both);
            } catch (const std::exception &e) {
                std::fprintf(stderr, "client %d: %s\n", c, e.what());
            }
            if (--left == 0) {
                try {
                    all_done.set_value();
                } catch (const cte::error &) { // the time limit came first
                }
            }
        });
    }

    gui.run_until(finished); // the GUI loop: runs every GUI step
    for (auto &t : client_threads) t.join();
    limit.cancel();
    asio::post(io, [&] { io.stop(); });
    io_thread.join();

    long want = static_cast<long>(clients) * requests;
    std::printf("asio_tcp: %ld/%ld replies right, %ld GUI steps, %ld off the GUI thread%s\n",
                good.load(), want, gui_steps.load(), off_gui.load(), timed_out ? ", TIMED OUT" : "");
    return good == want && gui_steps == want && off_gui == 0 && !timed_out ? 0 : 1;
}
