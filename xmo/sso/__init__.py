"""Single sign-on with OpenID Connect (mozilla-django-oidc), per installation.

`conf` reads the environment into settings; `discovery` fetches the provider's metadata;
`backends` holds the two authentication backends (OpenID Connect, local password);
`services` creates people on first sign-in and applies each organisation's group → role
mappings at every sign-in; `views` the sign-in start and callback and the settings page.
"""
