plugins { id("org.springframework.boot") version "3.3.1" }
dependencies {
    implementation("org.springframework.boot:spring-boot-starter-data-redis")
    implementation("org.springframework.boot:spring-boot-starter-amqp")
    runtimeOnly("com.mysql:mysql-connector-j:8.4.0")
    testImplementation("org.springframework.boot:spring-boot-starter-test")
}
