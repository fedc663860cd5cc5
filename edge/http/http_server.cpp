#include "edge/http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "edge/net/listener.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"

namespace foresight {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kBoundary = "foresightframe";
// How long a view watcher waits before checking whether the server stopped.
constexpr std::chrono::milliseconds kWatchTimeout{200};
constexpr std::size_t kMaxRequestBytes = 16 * 1024;

// The value of `key` in a query string "a=1&view=camera" (no percent-decoding: view names are
// plain words).
std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// Compares in time independent of where the strings differ (the token is a secret). The query
// value is not percent-decoded: tokens are plain words (docs/edge.md).
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= a[i] ^ b[i % std::max<std::size_t>(b.size(), 1)];
  return diff == 0 && !b.empty();
}

bool known_view(const std::string& view) {
  const auto& names = ViewHub::view_names();
  return std::find(names.begin(), names.end(), view) != names.end();
}

class HttpSession;

// The server's shared state (HttpServer::Impl is private to the class, the sessions need this).
struct HttpCore : std::enable_shared_from_this<HttpCore> {
  HttpCore(asio::io_context& io_, HttpServerOptions o, ViewHub& h, EdgeMetrics* m)
      : io(io_), acceptor(asio::make_strand(io_)), options(std::move(o)), hub(h), metrics(m) {}

  asio::io_context& io;
  tcp::acceptor acceptor;
  const HttpServerOptions options;
  ViewHub& hub;
  EdgeMetrics* metrics;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  std::atomic<uint64_t> requests{0};
  std::atomic<std::size_t> streams_open{0};

  std::mutex mu;
  std::map<std::string, std::vector<std::weak_ptr<HttpSession>>> streams;  // by view
  std::vector<std::thread> watchers;

  void accept();
  void watch(const std::string& view);
  void add_stream(const std::string& view, const std::shared_ptr<HttpSession>& s);
  std::vector<std::shared_ptr<HttpSession>> streams_of(const std::string& view);
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<HttpCore> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  // A new frame of the streamed view (posted by the view's watcher).
  void offer(ViewFrame frame) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), frame = std::move(frame)] {
      if (!self->streaming_ || self->closed_ || frame.seq <= self->last_seq_) return;
      if (self->writing_) {
        self->pending_ = frame;  // only the newest waits; older ones are skipped
        return;
      }
      self->send_part(frame);
    });
  }

  void shut_down() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close("shut down"); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(server_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      close("read", ec);
      return;
    }
    server_->requests.fetch_add(1, std::memory_order_relaxed);
    handle(parser_->release());
  }

  void handle(const http::request<http::string_body>& req) {
    if (req.method() != http::verb::get) {
      return respond(req, http::status::method_not_allowed, "text/plain", "GET only\n");
    }
    const std::string_view target(req.target().data(), req.target().size());
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
    std::string view = query_value(query, "view");
    if (view.empty()) view = "sidebyside";
    if (path != "/healthz" && !authorised(req, query)) {
      return respond(req, http::status::unauthorized, "text/plain",
                     "this daemon wants its token: add ?token=... to the URL\n");
    }

    if (path == "/")
      return respond(req, http::status::ok, "text/html; charset=utf-8", http_index_page());
    if (path == "/healthz") return respond(req, http::status::ok, "text/plain", "ok\n");
    if (path == "/metrics") {
      std::string text = server_->metrics ? server_->metrics->prometheus_text() : std::string();
      text +=
          "# HELP foresight_http_streams_open MJPEG streams being served.\n"
          "# TYPE foresight_http_streams_open gauge\nforesight_http_streams_open " +
          std::to_string(server_->streams_open.load()) + "\n";
      return respond(req, http::status::ok, "text/plain; version=0.0.4", std::move(text));
    }
    if (path == "/psnr.json") {
      nlohmann::json points = nlohmann::json::array();
      for (const PsnrPoint& p : server_->hub.psnr_history()) {
        points.push_back(
            {{"frame_seq", p.frame_seq}, {"psnr", p.psnr}, {"copy_last_psnr", p.copy_last_psnr}});
      }
      return respond(req, http::status::ok, "application/json", points.dump());
    }
    if (path == "/snapshot.jpg" || path == "/stream.mjpg") {
      if (!known_view(view)) {
        return respond(req, http::status::not_found, "text/plain", "unknown view '" + view + "'\n");
      }
      if (path == "/stream.mjpg") return start_stream(req, view);
      auto frame = server_->hub.latest(view);
      if (!frame) {
        return respond(req, http::status::service_unavailable, "text/plain",
                       "no frame yet for view '" + view + "'\n");
      }
      return respond(req, http::status::ok, "image/jpeg",
                     std::string(frame->jpeg->begin(), frame->jpeg->end()));
    }
    respond(req, http::status::not_found, "text/plain", "not found\n");
  }

  bool authorised(const http::request<http::string_body>& req, std::string_view query) const {
    const std::string& token = server_->options.token;
    if (token.empty()) return true;
    if (same_secret(query_value(query, "token"), token)) return true;
    const auto auth = req.find(http::field::authorization);
    if (auth == req.end()) return false;
    const std::string_view value(auth->value().data(), auth->value().size());
    constexpr std::string_view kBearer = "Bearer ";
    return value.substr(0, kBearer.size()) == kBearer &&
           same_secret(std::string(value.substr(kBearer.size())), token);
  }

  void respond(const http::request<http::string_body>& req, http::status status,
               const std::string& type, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, "foresight-edge");
    res->set(http::field::content_type, type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(req.keep_alive());
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || res->need_eof()) {
                          self->close("response sent", ec);
                        } else {
                          self->read();
                        }
                      });
  }

  void start_stream(const http::request<http::string_body>& req, const std::string& view) {
    if (server_->streams_open.load() >= server_->options.max_streams) {
      return respond(req, http::status::service_unavailable, "text/plain",
                     "too many streams open (--max-streams " +
                         std::to_string(server_->options.max_streams) + ")\n");
    }
    streaming_ = true;
    server_->streams_open.fetch_add(1);
    view_ = view;
    server_->add_stream(view, shared_from_this());
    watch_peer();
    auto header = std::make_shared<std::string>(
        std::string("HTTP/1.1 200 OK\r\nServer: foresight-edge\r\n"
                    "Content-Type: multipart/x-mixed-replace; boundary=") +
        kBoundary +
        "\r\nCache-Control: no-cache, no-store\r\nPragma: no-cache\r\nConnection: close\r\n\r\n");
    writing_ = true;
    stream_.expires_after(server_->options.write_timeout);
    asio::async_write(stream_, asio::buffer(*header),
                      [self = shared_from_this(), header](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->close("stream header", ec);
                        if (auto latest = self->server_->hub.latest(self->view_)) {
                          self->send_part(*latest);
                        }
                      });
  }

  // A streaming client sends nothing more; this read keeps the session alive between frames
  // (the registry holds it only weakly) and notices when the client goes away.
  void watch_peer() {
    stream_.socket().async_read_some(
        asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->close("stream peer", ec);
          self->watch_peer();
        });
  }

  void send_part(const ViewFrame& frame) {
    writing_ = true;
    last_seq_ = frame.seq;
    auto head = std::make_shared<std::string>(std::string("--") + kBoundary +
                                              "\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                              std::to_string(frame.jpeg->size()) + "\r\n\r\n");
    static const std::string kTail = "\r\n";
    const std::array<asio::const_buffer, 3> buffers = {
        asio::buffer(*head), asio::buffer(*frame.jpeg), asio::buffer(kTail)};
    stream_.expires_after(server_->options.write_timeout);
    asio::async_write(
        stream_, buffers,
        [self = shared_from_this(), head, jpeg = frame.jpeg](beast::error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) return self->close("part", ec);
          if (self->pending_) {
            ViewFrame next = std::move(*self->pending_);
            self->pending_.reset();
            if (next.seq > self->last_seq_) self->send_part(next);
          }
        });
  }

  void close(const char* why, beast::error_code ec = {}) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("http: closed{}: {} {}", streaming_ ? " stream of " + view_ : std::string(), why,
                  ec ? ec.message() : std::string());
    if (streaming_) server_->streams_open.fetch_sub(1);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpCore> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool streaming_ = false, writing_ = false, closed_ = false;
  std::string view_;
  uint64_t last_seq_ = 0;
  std::optional<ViewFrame> pending_;
  std::array<char, 512> discard_{};
};

void HttpCore::accept() {
  acceptor.async_accept(asio::make_strand(io),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (self->stopped.load()) return;
                          if (ec) {
                            if (ec == asio::error::operation_aborted) return;
                            spdlog::warn("http: accept failed: {}", ec.message());
                          } else {
                            std::make_shared<HttpSession>(std::move(socket), self)->run();
                          }
                          self->accept();
                        });
}

// One thread per view (not per client) blocks in ViewHub::wait_newer and fans each new frame
// out to that view's streams.
void HttpCore::watch(const std::string& view) {
  uint64_t seen = 0;
  while (!stopped.load()) {
    auto frame = hub.wait_newer(view, seen, kWatchTimeout);
    if (!frame) continue;
    seen = frame->seq;
    for (auto& s : streams_of(view)) s->offer(*frame);
  }
}

void HttpCore::add_stream(const std::string& view, const std::shared_ptr<HttpSession>& s) {
  std::lock_guard<std::mutex> lock(mu);
  auto& list = streams[view];
  list.erase(std::remove_if(list.begin(), list.end(), [](const auto& w) { return w.expired(); }),
             list.end());
  list.push_back(s);
}

std::vector<std::shared_ptr<HttpSession>> HttpCore::streams_of(const std::string& view) {
  std::vector<std::shared_ptr<HttpSession>> out;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& w : streams[view]) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

struct HttpServer::Impl : HttpCore {
  using HttpCore::HttpCore;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, ViewHub& hub,
                       EdgeMetrics* metrics) {
  impl_ = std::make_shared<Impl>(io, std::move(options), hub, metrics);
  impl_->port = listen_on(impl_->acceptor, impl_->options.address, impl_->options.port, "http");
}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::start() {
  for (const std::string& view : ViewHub::view_names()) {
    impl_->watchers.emplace_back([impl = impl_.get(), view] { impl->watch(view); });
  }
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] { impl->accept(); });
}

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  for (auto& t : impl_->watchers) t.join();
  for (const std::string& view : ViewHub::view_names()) {
    for (auto& s : impl_->streams_of(view)) s->shut_down();
  }
}

}  // namespace foresight
