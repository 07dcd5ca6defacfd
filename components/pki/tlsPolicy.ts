// The TLS every Kubernetes server Keelson runs offers (kube-apiserver, kubelet):
// TLS 1.2 or newer, and for TLS 1.2 only AEAD suites with forward secrecy, for
// the ECDSA keys Keelson's PKI issues and for RSA (a user's own serving
// certificate). This is the list the CIS Kubernetes Benchmark gives for the
// kubelet (4.2.12), a subset of the one it gives for the apiserver (1.2.29).
// TLS 1.3's suites are not configurable in Go, and all of them are strong.

export const TLS_MIN_VERSION = "VersionTLS12";

export const TLS_CIPHER_SUITES: readonly string[] = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
];
