/**
 * TokenKeeper for Apache HttpClient 5: exec-chain handlers for the classic
 * ({@link dev.tokenkeeper.httpclient5.BearerExecChainHandler}) and the async
 * ({@link dev.tokenkeeper.httpclient5.AsyncBearerExecChainHandler}) client.
 */
package dev.tokenkeeper.httpclient5;
