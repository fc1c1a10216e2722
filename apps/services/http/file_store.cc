#include "file_store.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace portway::services::http {

namespace fs = std::filesystem;

namespace {

struct TypeByExtension {
    std::string_view extension;
    std::string_view type;
};

constexpr std::array<TypeByExtension, 22> kTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".xml", "application/xml"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/vnd.microsoft.icon"},
    {".woff2", "font/woff2"},
    {".wasm", "application/wasm"},
    {".pdf", "application/pdf"},
    {".gz", "application/gzip"},
    {".zip", "application/zip"},
    {".bin", "application/octet-stream"},
}};

bool ends_with_icase(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size())
        return false;
    s = s.substr(s.size() - suffix.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

Expected<std::vector<uint8_t>> read_all(const fs::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr)
        return Error{"cannot read " + path.string() + ": " + std::strerror(errno)};
    std::vector<uint8_t> out;
    std::array<uint8_t, 65536> chunk;
    size_t n = 0;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) > 0)
        out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed)
        return Error{"cannot read " + path.string()};
    return out;
}

}  // namespace

std::string_view FileStore::content_type_for(std::string_view path) {
    for (const auto& t : kTypes) {
        if (ends_with_icase(path, t.extension))
            return t.type;
    }
    return "application/octet-stream";
}

std::string FileStore::etag_for(std::span<const uint8_t> bytes) {
    // FNV-1a 64 over the content, and the length: a strong validator that
    // changes whenever the bytes do (collisions aside, which a 64-bit hash
    // and the length make unlikely for a site's files).
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint8_t b : bytes) {
        h ^= b;
        h *= 0x100000001b3ULL;
    }
    std::array<char, 48> text{};
    std::snprintf(text.data(), text.size(), "\"%016llx-%zx\"", static_cast<unsigned long long>(h),
                  bytes.size());
    return text.data();
}

void FileStore::add(std::string url_path, std::vector<uint8_t> bytes, int64_t mtime_unix) {
    auto f = std::make_shared<StoredFile>();
    f->content_type = std::string(content_type_for(url_path));
    f->etag = etag_for(bytes);
    std::array<char, kImfFixdateLength> date{};
    format_imf_fixdate(mtime_unix, date);
    f->last_modified.assign(date.data(), date.size());
    bytes_ += bytes.size();
    f->bytes = std::move(bytes);
    files_[std::move(url_path)] = std::move(f);
}

// "/dir/index.html" is also "/dir/" (RFC 9110 §4.2.3: a path ending in /
// names the directory's default resource).
void FileStore::add_indexes() {
    std::vector<std::pair<std::string, std::shared_ptr<const StoredFile>>> more;
    constexpr std::string_view kIndex = "/index.html";
    for (const auto& [path, file] : files_) {
        if (path.size() >= kIndex.size() &&
            std::string_view(path).substr(path.size() - kIndex.size()) == kIndex)
            more.emplace_back(path.substr(0, path.size() - kIndex.size() + 1), file);
    }
    for (auto& [path, file] : more)
        files_.emplace(std::move(path), std::move(file));
}

Expected<std::shared_ptr<const FileStore>> FileStore::load(const std::string& root) {
    std::error_code ec;
    const fs::path base = fs::canonical(root, ec);
    if (ec)
        return Error{"--http-root " + root + ": " + ec.message()};
    if (!fs::is_directory(base, ec))
        return Error{"--http-root " + root + ": not a directory"};
    auto store = std::make_shared<FileStore>();
    store->root_ = base.string();
    fs::recursive_directory_iterator it(base, fs::directory_options::none, ec);
    if (ec)
        return Error{"--http-root " + root + ": " + ec.message()};
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec)
            return Error{"--http-root " + root + ": " + ec.message()};
        if (!it->is_regular_file(ec))
            continue;
        auto bytes = read_all(it->path());
        if (!bytes)
            return Error{bytes.error()};
        struct stat st {};
        const int64_t mtime = ::stat(it->path().c_str(), &st) == 0 ? st.st_mtime : 0;
        std::string url = "/" + fs::relative(it->path(), base, ec).generic_string();
        store->add(std::move(url), std::move(*bytes), mtime);
    }
    if (ec)
        return Error{"--http-root " + root + ": " + ec.message()};
    store->add_indexes();
    return std::shared_ptr<const FileStore>(std::move(store));
}

std::shared_ptr<const FileStore> FileStore::from_files(
    const std::vector<std::pair<std::string, std::string>>& files) {
    auto store = std::make_shared<FileStore>();
    for (const auto& [path, content] : files)
        store->add(path, std::vector<uint8_t>(content.begin(), content.end()), 0);
    store->add_indexes();
    return store;
}

const StoredFile* FileStore::find(std::string_view path) const {
    const auto it = files_.find(path);
    return it == files_.end() ? nullptr : it->second.get();
}

}  // namespace portway::services::http
