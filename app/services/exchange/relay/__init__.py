"""Getting files to and from the relay: an SFTP transport and the built-in bank simulator.

Modules (nothing is imported here, so importing the package stays cheap; asyncssh loads only when
SFTP is used):

- ``base``       the ``Transport`` protocol, ``RelayNotice`` and the errors (RelayUnavailableError,
                 RelayDuplicateError, RelayRejectedError, HostKeyError);
- ``config``     ``RelayConfig`` (stored under ``relay.config``) and
                 ``make_transport(config, *, data_dir, clock, institution_code=None)``;
- ``sftp_settings`` ``SftpSettings`` and the pinned host keys, shared by ``config`` and ``sftp``;
- ``simulator``  ``BankSimulator``: the agency and the banks in a folder (the embedded default);
- ``intake``     what the simulated relay refuses when a request arrives, and when results are due;
- ``state``      the simulator's SQLite memory (files taken, registrations, notices posted);
- ``rules``      the simulator's outcome rules (``OUTCOME_RULES``, ``GENERAL_RULES``);
- ``notices``    the notices the simulator posts;
- ``local``      ``SimulatorTransport`` over the simulator's folder;
- ``sftp``       ``SftpTransport``, ``fetch_host_key``, ``SftpAuthError``;
- ``credentials`` the relay password/key in the OS keyring (``KeyringSecrets``);
- ``layout``     folder and file names on the relay, error reports (how refusals surface), and
                 ``result_name_for(request_name)``: the result a fetcher waits for;
- ``server``, ``launcher``  the SFTP simulator (``python -m app.relay_sim``) and a helper that
                 starts it as a child process for tests and the demo.
"""
