{
  "targets": [
    {
      "target_name": "dv_native",
      "cflags": ["-O3"],
      "sources": [
        "native/dv_native.c",
        "native/status_scan.c",
        "native/hash_pieces.c",
        "node_modules/@c4312/blake3-native/c/blake3_dispatch.c",
        "node_modules/@c4312/blake3-native/c/blake3_portable.c",
        "<!@(node -p \"require('fs').readdirSync('node_modules/@c4312/blake3-native/c').filter(f=>f.endsWith('_unix.S')).map(f=>'node_modules/@c4312/blake3-native/c/'+f).join(' ')\")"
      ],
      "include_dirs": ["node_modules/@c4312/blake3-native/c"],
      "libraries": ["-lm"]
    }
  ]
}
