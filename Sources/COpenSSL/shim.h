#ifndef REDIRECT_CATCHER_COPENSSL_SHIM_H
#define REDIRECT_CATCHER_COPENSSL_SHIM_H

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

#endif
