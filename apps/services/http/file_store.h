// The site a server serves: a directory read into memory once, at start.
//
// Every regular file under the root becomes an entry keyed by its URL path
// ("/css/site.css"), with what each response needs precomputed: the bytes,
// the Content-Type (by extension), a strong ETag (a hash of the content
// and its length, RFC 9110 §8.8.3) and Last-Modified (§8.8.2, from the
// file's modification time). A directory holding index.html is served at
// "/dir/" (and "/" for the root). Nothing is read from disk afterwards, so
// a request never waits for the file system and never allocates.
#pragma once

#include <portway/status.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "date_cache.h"

namespace portway::services::http {

struct StoredFile {
    std::vector<uint8_t> bytes;
    std::string content_type;
    std::string etag;           // quoted: "\"1f2e...-1a\""
    std::string last_modified;  // IMF-fixdate
    std::span<const uint8_t> view() const { return bytes; }
};

class FileStore {
  public:
    // Reads every file under `root` (recursively, following no symlinks out
    // of it). An error names the path that could not be read.
    static Expected<std::shared_ptr<const FileStore>> load(const std::string& root);
    // For tests: a store from (path, content) pairs.
    static std::shared_ptr<const FileStore> from_files(
        const std::vector<std::pair<std::string, std::string>>& files);

    // The file at a decoded URL path, or null.
    const StoredFile* find(std::string_view path) const;
    std::size_t files() const { return files_.size(); }
    uint64_t bytes() const { return bytes_; }
    const std::string& root() const { return root_; }

    static std::string_view content_type_for(std::string_view path);
    static std::string etag_for(std::span<const uint8_t> bytes);

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    void add(std::string url_path, std::vector<uint8_t> bytes, int64_t mtime_unix);
    void add_indexes();

    std::string root_;
    std::unordered_map<std::string, std::shared_ptr<const StoredFile>, Hash, std::equal_to<>>
        files_;
    uint64_t bytes_ = 0;
};

}  // namespace portway::services::http
