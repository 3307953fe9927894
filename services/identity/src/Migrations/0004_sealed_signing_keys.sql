-- Private keys are sealed: AES-256-GCM under Identity__KeyEncryptionKey, a nonce per key, the kid as
-- associated data (ciphertext and tag in private_key_sealed). identity seals any plain PEM left by an
-- earlier version when it starts.
ALTER TABLE signing_keys
    ALTER COLUMN private_key_pem DROP NOT NULL,
    ADD COLUMN private_key_nonce bytea,
    ADD COLUMN private_key_sealed bytea,
    ADD CONSTRAINT signing_keys_sealed_or_plain CHECK ((private_key_pem IS NULL) <> (private_key_sealed IS NULL));
