/**
 * TokenKeeper for the Jakarta REST (JAX-RS 3.1) client: {@link dev.tokenkeeper.jaxrs.BearerClientFilter}.
 */
package dev.tokenkeeper.jaxrs;
