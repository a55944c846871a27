{
  "variables": {
    "zstd": "node_modules/zstd-napi/deps/zstd/lib"
  },
  "targets": [
    {
      "target_name": "dv_native",
      "cflags": ["-O3", "-fvisibility=hidden"],
      "sources": [
        "native/dv_native.c",
        "native/status_scan.c",
        "native/hash_pieces.c",
        "native/verify_blobs.c",
        "native/recent_blobs.c",
        "native/delta_compress.c",
        "node_modules/@c4312/blake3-native/c/blake3_dispatch.c",
        "node_modules/@c4312/blake3-native/c/blake3_portable.c",
        "<!@(node -p \"require('fs').readdirSync('node_modules/@c4312/blake3-native/c').filter(f=>f.endsWith('_unix.S')).map(f=>'node_modules/@c4312/blake3-native/c/'+f).join(' ')\")",
        "<(zstd)/common/debug.c",
        "<(zstd)/common/entropy_common.c",
        "<(zstd)/common/error_private.c",
        "<(zstd)/common/fse_decompress.c",
        "<(zstd)/common/xxhash.c",
        "<(zstd)/common/zstd_common.c",
        "<(zstd)/decompress/huf_decompress.c",
        "<(zstd)/decompress/huf_decompress_amd64.S",
        "<(zstd)/decompress/zstd_ddict.c",
        "<(zstd)/decompress/zstd_decompress_block.c",
        "<(zstd)/decompress/zstd_decompress.c",
        "<!@(node -p \"require('fs').readdirSync('node_modules/zstd-napi/deps/zstd/lib/compress').filter(f=>f.endsWith('.c')&&f!=='zstdmt_compress.c').map(f=>'node_modules/zstd-napi/deps/zstd/lib/compress/'+f).join(' ')\")"
      ],
      "include_dirs": ["node_modules/@c4312/blake3-native/c", "<(zstd)"],
      "defines": ["XXH_NAMESPACE=ZSTD_", "ZSTDERRORLIB_VISIBLE=", "ZSTDLIB_VISIBLE=", "ZSTD_NO_TRACE"],
      "libraries": ["-lm"]
    }
  ]
}
