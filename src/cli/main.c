/* placeholder replaced by the server main */
int main(void) { return 0; }
