/**
 * Server configuration: one typed, validated record tree ({@link
 * dev.sealdrop.server.config.ServerConfig}) and its properties-file reader. Nothing else reads raw
 * configuration strings. Not here: any behaviour.
 */
package dev.sealdrop.server.config;
