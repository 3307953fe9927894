-- Each service owns its database (ARCHITECTURE.md); the services create their tables themselves.
CREATE DATABASE roomcast_identity;
CREATE DATABASE roomcast_documents;
