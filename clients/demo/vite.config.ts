import { defineConfig } from "vite";

// The demo is served by server.mjs (static files + the API proxies); vite only builds it.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      onwarn(warning, warn) {
        // @microsoft/signalr's builds carry /*#__PURE__*/ comments rollup cannot place; harmless.
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("@microsoft/signalr")) return;
        warn(warning);
      },
    },
  },
});
