"""gonghui — the system behind Beijing's 双沟通 trade-union organising."""
