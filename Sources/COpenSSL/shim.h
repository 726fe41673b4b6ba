#ifndef REDIRECT_CATCHER_COPENSSL_SHIM_H
#define REDIRECT_CATCHER_COPENSSL_SHIM_H

/* sha.h first, with OpenSSL's deprecation marks off, for rc_sha256 below. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#undef OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

/* OpenSSL spells these as macros, which Swift cannot import. */

static inline long rc_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long rc_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long rc_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline int rc_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }

static inline long rc_SSL_CTX_clear_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_clear_mode(ctx, mode);
}

static inline long rc_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert) {
    return SSL_CTX_add1_chain_cert(ctx, cert);
}

static inline uint64_t rc_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }

static inline uint64_t rc_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }

/* EVP_EC_gen expands to the variadic EVP_PKEY_Q_keygen, which Swift cannot call. */
static inline EVP_PKEY *rc_EVP_EC_gen(const char *curve) {
    return EVP_EC_gen(curve);
}

/* EVP_RSA_gen expands to the variadic EVP_PKEY_Q_keygen, which Swift cannot call. */
static inline EVP_PKEY *rc_EVP_RSA_gen(unsigned int bits) {
    return EVP_RSA_gen(bits);
}

/* SHA-256 with OpenSSL's own implementation, called directly. The EVP interface would first
 * load OpenSSL 3's provider framework (about 2 MB that stays resident for the daemon's life,
 * measured in BENCHMARKS.md) to hash 43 bytes per sign-in. SHA256_Init and friends are
 * deprecated in OpenSSL 3 in favour of EVP, but present in every 3.x release. */
static inline int rc_sha256(const void *data, size_t length, unsigned char digest[32]) {
    SHA256_CTX context;
    if (SHA256_Init(&context) != 1) return 0;
    if (SHA256_Update(&context, data, length) != 1) return 0;
    if (SHA256_Final(digest, &context) != 1) return 0;
    OPENSSL_cleanse(&context, sizeof context);
    return 1;
}

/* SHA-1, for the one place it is still asked for: the `x5t` certificate thumbprint that AD FS
 * takes in a client assertion's header. Direct for the same reason as SHA-256. */
static inline int rc_sha1(const void *data, size_t length, unsigned char digest[20]) {
    SHA_CTX context;
    if (SHA1_Init(&context) != 1) return 0;
    if (SHA1_Update(&context, data, length) != 1) return 0;
    if (SHA1_Final(digest, &context) != 1) return 0;
    OPENSSL_cleanse(&context, sizeof context);
    return 1;
}

#endif
